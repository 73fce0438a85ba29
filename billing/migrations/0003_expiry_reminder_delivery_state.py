"""Expiry reminders get a delivery state: the row is recorded (and committed) before the
mail goes out, `sent_at` stays null until it went out, and a failed send is retried by the
next run (`attempts`, `last_error`; `claimed_at` keeps concurrent runs apart).

A row written before this migration was written by a send that succeeded: it keeps its
`sent_at`, and its `created_at` is that same moment."""

import django.utils.timezone
from django.db import migrations, models


def rows_before_were_sent(apps, schema_editor):
    ExpiryReminder = apps.get_model("billing", "ExpiryReminder")
    ExpiryReminder.objects.update(created_at=models.F("sent_at"), attempts=1)


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0002_expiry_reminder_schedule"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="expiryreminder",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "expiry reminder",
                "verbose_name_plural": "expiry reminders",
            },
        ),
        migrations.AddField(
            model_name="expiryreminder",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AddField(
            model_name="expiryreminder",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="send started at"),
        ),
        migrations.AddField(
            model_name="expiryreminder",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at"),
        ),
        migrations.AddField(
            model_name="expiryreminder",
            name="last_error",
            field=models.TextField(blank=True, verbose_name="last error"),
        ),
        migrations.AlterField(
            model_name="expiryreminder",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent at"),
        ),
        migrations.RunPython(rows_before_were_sent, migrations.RunPython.noop),
    ]
