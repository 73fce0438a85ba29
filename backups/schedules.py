"""The default backup schedules (django-celery-beat rows, editable in the admin) and what
they say: when the next run is and how old the newest good backup may be.

`schedules_ensure` creates the defaults once, idempotently (run after every migrate): an
owner who edits or disables one keeps their change, because an existing row, found by its
name, is never touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

BACKUP_TASK = "backups.tasks.run_scheduled_backup"
VERIFY_TASK = "backups.tasks.verify_backups"
HOUSEKEEPING_TASK = "backups.tasks.backups_housekeeping"


@dataclass(frozen=True)
class DefaultSchedule:
    name: str
    task: str
    crontab: dict
    kwargs: dict


DEFAULTS = (
    DefaultSchedule("backups: daily full backup", BACKUP_TASK, {"minute": "0", "hour": "3"}, {"type": "full"}),
    DefaultSchedule("backups: hourly incremental backup", BACKUP_TASK, {"minute": "30"}, {"type": "incremental"}),
    DefaultSchedule(
        "backups: weekly verification", VERIFY_TASK, {"minute": "0", "hour": "4", "day_of_week": "0"}, {}
    ),
    # Stale-backup warnings and runs whose worker died.
    DefaultSchedule("backups: housekeeping", HOUSEKEEPING_TASK, {"minute": "*/15"}, {}),
)


def schedules_ensure(*, using: str = "default") -> int:
    """Create the default schedules that do not exist yet (by name); returns how many."""
    missing = []
    with transaction.atomic(using=using):
        existing = set(PeriodicTask.objects.using(using).values_list("name", flat=True))
        for default in DEFAULTS:
            if default.name in existing:
                continue
            values = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
            values.update(default.crontab)
            crontab = CrontabSchedule.objects.using(using).filter(**values, timezone="UTC").first()
            if crontab is None:
                crontab = CrontabSchedule(**values, timezone="UTC")
                crontab.save(using=using)
            missing.append(
                PeriodicTask(name=default.name, task=default.task, crontab=crontab, kwargs=json.dumps(default.kwargs))
            )
        if missing:
            # bulk_create: PeriodicTask.save() checks uniqueness on the default database
            # whatever `using` is; then tell Beat its schedule changed, as save() would.
            PeriodicTask.objects.using(using).bulk_create(missing)
            PeriodicTasks.objects.using(using).update_or_create(ident=1, defaults={"last_update": timezone.now()})
    return len(missing)


def backup_tasks():
    return PeriodicTask.objects.filter(enabled=True, task=BACKUP_TASK).select_related(
        "crontab", "interval", "solar", "clocked"
    )


def next_run_after(task: PeriodicTask, moment: datetime) -> datetime | None:
    """When `task` fires next, strictly after `moment` (None for solar and one-off
    schedules, which have no period to speak of)."""
    if task.interval_id:
        every = timedelta(**{task.interval.period: task.interval.every})
        last = task.last_run_at or task.start_time or moment
        if last > moment:
            return last
        return last + ((moment - last) // every + 1) * every
    if task.crontab_id:
        schedule = task.crontab.schedule
        start, delta, _now = schedule.remaining_delta(moment.astimezone(schedule.tz))
        return (start + delta).astimezone(UTC)
    return None


def next_scheduled(now: datetime | None = None) -> datetime | None:
    """The next scheduled backup of any type, or None when none is scheduled."""
    now = now or timezone.now()
    times = [t for t in (next_run_after(task, now) for task in backup_tasks()) if t is not None]
    return min(times) if times else None


def allowed_age(now: datetime | None = None) -> timedelta | None:
    """How old the newest good backup may be before backups count as stale: the shortest
    period of the enabled backup schedules, plus BACKUP_STALE_GRACE_MINUTES. None when no
    backup is scheduled (nothing to be late for)."""
    from django.conf import settings

    now = now or timezone.now()
    periods = []
    for task in backup_tasks():
        first = next_run_after(task, now)
        second = next_run_after(task, first) if first else None
        if first and second:
            periods.append(second - first)
    if not periods:
        return None
    return min(periods) + timedelta(minutes=settings.BACKUP_STALE_GRACE_MINUTES)


def _describe_crontab(crontab: CrontabSchedule) -> str:
    from cron_descriptor import ExpressionDescriptor, Options

    options = Options()
    options.use_24hour_time_format = True
    options.locale_code = "es_ES" if translation.get_language() == "es" else "en_US"
    expression = " ".join(
        [crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week]
    )
    try:
        return ExpressionDescriptor(expression, options).get_description()
    except Exception:  # an expression cron_descriptor cannot read: show it as written
        return expression


def frequency_description() -> str:
    """The enabled backup schedules in words, e.g. "Full: At 03:00; Incremental: At 30
    minutes past the hour" (in the active language)."""
    from .models import BackupType

    parts = []
    for task in backup_tasks().order_by("name"):
        try:
            kind = BackupType(json.loads(task.kwargs or "{}").get("type", "full")).label
        except (ValueError, TypeError, AttributeError):
            kind = BackupType.FULL.label
        if task.crontab_id:
            when = _describe_crontab(task.crontab)
        elif task.interval_id:
            when = str(task.interval)
        else:
            when = str(task.schedule)
        parts.append(f"{kind}: {when}")
    return "; ".join(parts) if parts else _("Not scheduled")
