"""backups.selectors.backup_overview: the contract with the owner's dashboard."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from backups import selectors
from backups.models import Backup, BackupStatus, BackupTrigger, BackupType
from backups.schedules import BACKUP_TASK

pytestmark = pytest.mark.django_db


def _backup(status=BackupStatus.SUCCEEDED, *, ago=timedelta(minutes=10), **fields):
    finished = timezone.now() - ago
    values = dict(
        type=BackupType.FULL,
        requested_type=BackupType.FULL,
        status=status,
        in_progress=None if status in (BackupStatus.SUCCEEDED, BackupStatus.FAILED) else True,
        trigger=BackupTrigger.MANUAL,
        finished_at=finished if status in (BackupStatus.SUCCEEDED, BackupStatus.FAILED) else None,
        size=1234,
        file_name=None,
    )
    values.update(fields)
    return Backup.objects.create(**values)


def test_overview_without_backups_warns_and_names_the_next_run():
    overview = selectors.backup_overview()
    assert set(overview) == {"system_status", "last_backup", "last_verification", "next_scheduled", "is_running"}
    assert overview["system_status"] == "WARNING"
    assert overview["last_backup"] is None
    assert overview["last_verification"] is None
    assert overview["is_running"] is False
    # The default schedules exist after migrate: the hourly incremental runs at :30.
    assert PeriodicTask.objects.filter(task=BACKUP_TASK, enabled=True).count() == 2
    next_run = overview["next_scheduled"]
    now = timezone.now()
    assert now < next_run <= now + timedelta(hours=1)
    assert next_run.minute in (0, 30)


def test_overview_ok_then_error_after_a_failed_run():
    good = _backup(file_name="a.gymbak", verified_at=timezone.now(), verified_ok=True)
    overview = selectors.backup_overview()
    assert overview["system_status"] == "OK"
    assert overview["last_backup"] == {
        "id": good.pk,
        "type": "full",
        "status": "succeeded",
        "finished_at": good.finished_at,
        "size": 1234,
        "file_name": "a.gymbak",
    }
    assert overview["last_verification"] == {"at": good.verified_at, "ok": True, "backup_id": good.pk, "error": ""}
    failed = _backup(BackupStatus.FAILED, ago=timedelta(minutes=1), error="disk full")
    overview = selectors.backup_overview()
    assert overview["system_status"] == "ERROR"
    assert overview["last_backup"]["id"] == failed.pk
    assert overview["last_backup"]["status"] == "failed"


def test_overview_warns_when_the_newest_good_backup_is_older_than_the_schedule_allows():
    # Hourly incremental + 60 min grace: two hours and a bit is too old.
    _backup(ago=timedelta(hours=2, minutes=5))
    assert selectors.backup_overview()["system_status"] == "WARNING"
    PeriodicTask.objects.filter(task=BACKUP_TASK, kwargs__contains="incremental").update(enabled=False)
    # Only the daily full is left: 2 hours old is fine.
    assert selectors.backup_overview()["system_status"] == "OK"


def test_overview_errors_on_a_failed_verification_and_reports_running():
    _backup(verified_at=timezone.now(), verified_ok=False, verification_error="checksum mismatch")
    _backup(BackupStatus.RUNNING, in_progress=True, started_at=timezone.now())
    overview = selectors.backup_overview()
    assert overview["system_status"] == "ERROR"
    assert overview["last_verification"]["ok"] is False
    assert overview["last_verification"]["error"] == "checksum mismatch"
    assert overview["is_running"] is True
