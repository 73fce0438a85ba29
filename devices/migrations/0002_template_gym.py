"""FingerprintTemplate.gym: the gym whose terminals hold a template (its member's when it
was stored), so a member who moves gyms is seen by the incremental sync of both."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def gym_from_member(apps, schema_editor):
    FingerprintTemplate = apps.get_model("devices", "FingerprintTemplate")
    Member = apps.get_model("members", "Member")
    FingerprintTemplate.objects.update(
        gym_id=Subquery(Member.objects.filter(pk=OuterRef("member_id")).values("gym_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_admin_labels"),
        ("devices", "0001_initial"),
        ("members", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="fingerprinttemplate",
            name="gym",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.gym", verbose_name="gym"
            ),
        ),
        migrations.RunPython(gym_from_member, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="fingerprinttemplate",
            name="gym",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.gym", verbose_name="gym"
            ),
        ),
    ]
