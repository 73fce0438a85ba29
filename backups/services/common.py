"""What the services share: where files live, progress, the restore lock."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Greatest
from django.utils import timezone

from ..models import Backup, BackupStep


def backup_dir() -> Path:
    path = Path(settings.BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def backup_path(backup: Backup) -> Path | None:
    """The file of `backup`, from the catalog's name only (never a name from a request)."""
    if not backup.file_name:
        return None
    return backup_dir() / backup.file_name


def progress(backup: Backup, percent: int, step: str, *, using: str = "default") -> None:
    """Move the progress forward (never back: the WHERE and GREATEST keep it monotonic
    even if two writers raced) and say the step; also the run's heartbeat."""
    now = timezone.now()
    percent = max(0, min(100, int(percent)))
    Backup.objects.using(using).filter(pk=backup.pk).update(
        progress_percentage=Greatest("progress_percentage", percent),
        current_step=step,
        heartbeat_at=now,
    )
    backup.progress_percentage = max(backup.progress_percentage, percent)
    backup.current_step = step
    backup.heartbeat_at = now


def restore_running_q() -> Q:
    return Q(status="running")


STEP_FAILED = BackupStep.FAILED
