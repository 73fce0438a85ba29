"""Celery tasks of the backups: run one (enqueued after its row commits), the scheduled
runs (django-celery-beat), the weekly verification, housekeeping and restores.

Each is idempotent: a backup or restore no longer queued is left alone, so a redelivered
message (acks_late, a worker lost mid-run) does nothing twice; a run whose worker died is
failed by housekeeping when its heartbeat stops."""

from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="backups.tasks.run_backup")
def run_backup(backup_id: str) -> str | None:
    from .services import backup_run

    backup = backup_run(backup_id=backup_id)
    return backup.status if backup else None


@shared_task(name="backups.tasks.run_scheduled_backup")
def run_scheduled_backup(type: str = "full") -> str | None:
    """A scheduled backup, run in this worker (nothing to enqueue): skipped when another
    one is running."""
    from .models import BackupTrigger
    from .services import backup_run_now, backups_reap_dead_runs

    backups_reap_dead_runs()
    backup = backup_run_now(type=type, trigger=BackupTrigger.SCHEDULED)
    if backup is None:
        log.info("scheduled %s backup skipped: another backup or a restore is running", type)
        return None
    return backup.status


@shared_task(name="backups.tasks.verify_backups")
def verify_backups() -> dict:
    from .services import backups_verify_all

    return backups_verify_all()


@shared_task(name="backups.tasks.backups_housekeeping")
def backups_housekeeping() -> dict:
    """Fail dead runs; warn the admins once when backups are stale."""
    from . import selectors
    from .notifications import notify_stale
    from .services import backups_reap_dead_runs

    reaped = backups_reap_dead_runs()
    stale = selectors.backups_stale()
    if stale:
        notify_stale(selectors.last_good())
    return {"reaped": reaped, "stale": stale}


@shared_task(name="backups.tasks.run_restore")
def run_restore(restore_id: str) -> str | None:
    from gymsite.accounts.audit import Actor

    from .models import Restore, RestoreStatus
    from .services import backup_restore

    restore = Restore.objects.select_related("backup", "requested_by").filter(pk=restore_id).first()
    if restore is None or restore.status != RestoreStatus.QUEUED:
        return None
    actor = Actor(user=restore.requested_by) if restore.requested_by else Actor.system()
    try:
        backup_restore(actor=actor, backup=restore.backup, restore=restore)
    except Exception:
        log.exception("restore %s failed", restore_id)
        return RestoreStatus.FAILED
    return RestoreStatus.SUCCEEDED
