"""Reads of the backup catalog: the overview the dashboards show, the chain of a backup,
the newest good one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from . import schedules
from .models import IN_PROGRESS, Backup, BackupStatus


def backup_running() -> Backup | None:
    return Backup.objects.filter(status__in=IN_PROGRESS).order_by("created_at").first()


def last_finished() -> Backup | None:
    """The newest backup that ended, succeeded or failed."""
    return (
        Backup.objects.filter(status__in=(BackupStatus.SUCCEEDED, BackupStatus.FAILED))
        .order_by("-finished_at", "-created_at")
        .first()
    )


def last_good() -> Backup | None:
    return Backup.objects.filter(status=BackupStatus.SUCCEEDED).order_by("-finished_at", "-created_at").first()


def last_verified() -> Backup | None:
    return Backup.objects.filter(verified_at__isnull=False).order_by("-verified_at").first()


def backup_chain(backup: Backup) -> list[Backup]:
    """The backups to apply to restore `backup`, its full first: the parents, followed up
    to the full, in order. Stops at a missing parent (the caller checks the result)."""
    chain = [backup]
    seen = {backup.pk}
    current = backup
    while current.parent_id is not None:
        parent = Backup.objects.filter(pk=current.parent_id).first()
        if parent is None or parent.pk in seen:
            break
        chain.append(parent)
        seen.add(parent.pk)
        current = parent
    chain.reverse()
    return chain


def _backup_dict(backup: Backup | None) -> dict[str, Any] | None:
    if backup is None:
        return None
    return {
        "id": backup.pk,
        "type": backup.type,
        "status": backup.status,
        "finished_at": backup.finished_at,
        "size": backup.size,
        "file_name": backup.file_name,
    }


def system_status(*, now: datetime | None = None) -> str:
    """ERROR when the last run failed or the last verification found a fault; WARNING
    when there is no good backup, or the newest is older than the schedule allows; OK."""
    now = now or timezone.now()
    finished = last_finished()
    if finished is not None and finished.status == BackupStatus.FAILED:
        return "ERROR"
    verified = last_verified()
    if verified is not None and verified.verified_ok is False:
        return "ERROR"
    good = last_good()
    if good is None:
        return "WARNING"
    allowed = schedules.allowed_age(now)
    if allowed is not None and now - good.finished_at > allowed:
        return "WARNING"
    return "OK"


def backups_stale(*, now: datetime | None = None) -> bool:
    """The newest good backup is older than the schedule allows (or there is none while
    backups are scheduled)."""
    now = now or timezone.now()
    allowed = schedules.allowed_age(now)
    if allowed is None:
        return False
    good = last_good()
    if good is None:
        # Not stale before the first scheduled run could have happened.
        first = schedules.backup_tasks().order_by("date_changed").values_list("date_changed", flat=True).first()
        return first is not None and now - first > allowed
    return now - good.finished_at > allowed


def backup_overview() -> dict[str, Any]:
    """What a dashboard shows of the backups (a contract with the owner's dashboard):
    {"system_status": "OK"|"WARNING"|"ERROR", "last_backup": {id, type, status,
    finished_at, size, file_name} or None, "last_verification": {"at", "ok", "backup_id",
    "error"} or None, "next_scheduled": datetime or None, "is_running": bool}."""
    now = timezone.now()
    verified = last_verified()
    return {
        "system_status": system_status(now=now),
        "last_backup": _backup_dict(last_finished()),
        "last_verification": None
        if verified is None
        else {
            "at": verified.verified_at,
            "ok": bool(verified.verified_ok),
            "backup_id": verified.pk,
            "error": verified.verification_error,
        },
        "next_scheduled": schedules.next_scheduled(now),
        "is_running": backup_running() is not None,
    }


def recent_history(limit: int = 10):
    return Backup.objects.select_related("requested_by").order_by("-created_at")[:limit]


