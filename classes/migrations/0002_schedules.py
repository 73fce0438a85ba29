"""Register the classes app's two periodic tasks with django-celery-beat (editable, or
switched off, in the admin): generating sessions to each gym's horizon once a day, and
marking no-shows every 15 minutes. Idempotent, like billing's reminder schedule."""

from django.db import migrations

TASKS = [
    (
        "classes: generate sessions",
        "classes.tasks.generate_sessions",
        {"minute": "30", "hour": "2"},
        "Extend each gym's class schedule to its horizon (weeks ahead).",
    ),
    (
        "classes: mark no-shows",
        "classes.tasks.mark_no_shows",
        {"minute": "*/15", "hour": "*"},
        "Bookings still booked after their session ended become no-shows.",
    ),
]


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, when, description in TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=when["minute"], hour=when["hour"], day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True, "description": description}
        )
    # Tell running beat schedulers that the schedule changed (bulk writes skip the signal).
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_rest in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("classes", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
