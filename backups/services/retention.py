"""Retention and housekeeping.

Retention keeps the last BACKUP_RETENTION_FULLS successful fulls with everything built on
them, and every backup a kept one depends on (its parents, up to the full, whatever their
age): a chain is deleted whole or not at all. Failed runs older than the oldest kept full
go too (their files never existed). The change log is cut below the newest full's
position: nothing that could still be backed up needs older entries.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import IN_PROGRESS, Backup, BackupStatus, BackupStep, BackupType, Change, Restore
from .common import backup_dir

log = logging.getLogger(__name__)


def _kept_ids(keep_fulls: int) -> set:
    fulls = list(
        Backup.objects.filter(type=BackupType.FULL, status=BackupStatus.SUCCEEDED)
        .order_by("-finished_at")
        .values_list("pk", flat=True)[:keep_fulls]
    )
    kept = set(fulls)
    kept.update(Backup.objects.filter(chain_id__in=fulls).values_list("pk", flat=True))
    kept.update(Backup.objects.filter(status__in=IN_PROGRESS).values_list("pk", flat=True))
    # Anything a kept backup builds on, and any backup a restore or safety copy names.
    kept.update(Restore.objects.values_list("backup_id", flat=True))
    kept.update(pk for pk in Restore.objects.values_list("safety_backup_id", flat=True) if pk)
    parents = dict(Backup.objects.values_list("pk", "parent_id"))
    chains = dict(Backup.objects.values_list("pk", "chain_id"))
    pending = list(kept)
    while pending:
        pk = pending.pop()
        for dependency in (parents.get(pk), chains.get(pk)):
            if dependency and dependency not in kept:
                kept.add(dependency)
                pending.append(dependency)
    return kept


@transaction.atomic
def retention_apply(*, keep_fulls: int | None = None) -> list[str]:
    """Delete the backups retention no longer keeps (rows and files); returns their ids."""
    keep_fulls = settings.BACKUP_RETENTION_FULLS if keep_fulls is None else keep_fulls
    if keep_fulls < 1:
        return []
    kept = _kept_ids(keep_fulls)
    by_count = list(
        Backup.objects.filter(type=BackupType.FULL, status=BackupStatus.SUCCEEDED)
        .order_by("-finished_at")
        .values_list("created_at", flat=True)[:keep_fulls]
    )
    if len(by_count) < keep_fulls:
        return []  # fewer fulls than retention keeps: nothing is old enough to go
    oldest_kept = by_count[-1]
    # Succeeded backups not kept belong to chains of fulls that aged out; failed runs
    # (no file) go once they are older than the oldest kept full.
    doomed = list(
        Backup.objects.select_for_update()
        .exclude(pk__in=kept)
        .exclude(status__in=IN_PROGRESS)
        .filter(Q(status=BackupStatus.SUCCEEDED) | Q(created_at__lt=oldest_kept))
    )
    # Children first: a parent is PROTECTed while a child row points at it.
    by_id = {b.pk: b for b in doomed}
    order = []
    visited = set()

    def visit(b):
        if b.pk in visited:
            return
        visited.add(b.pk)
        for child in doomed:
            if child.parent_id == b.pk or (child.chain_id == b.pk and child.pk != b.pk):
                visit(child)
        order.append(b)

    for b in doomed:
        visit(b)
    directory = backup_dir()
    names = [b.file_name for b in order if b.file_name]
    # A full is its own chain: let go of that first, then delete children before parents.
    Backup.objects.filter(pk__in=by_id, type=BackupType.FULL).update(chain=None)
    for b in order:
        Backup.objects.filter(pk=b.pk).delete()
    newest_full = (
        Backup.objects.filter(type=BackupType.FULL, status=BackupStatus.SUCCEEDED, change_position__isnull=False)
        .order_by("-finished_at")
        .first()
    )
    if newest_full is not None:
        Change.objects.filter(id__lte=newest_full.change_position).delete()

    def unlink():
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                (directory / name).unlink()

    transaction.on_commit(unlink)
    return [str(b.pk) for b in order]


def backups_reap_dead_runs(*, now=None) -> int:
    """Fail every run whose heartbeat stopped longer than BACKUP_RUN_TIMEOUT_MINUTES ago
    (its worker died: killed, out of memory, the machine restarted), so none stays
    "running" forever and the slot frees up. Returns how many."""
    from .run import backup_fail

    now = now or timezone.now()
    limit = now - timedelta(minutes=settings.BACKUP_RUN_TIMEOUT_MINUTES)
    dead = Backup.objects.filter(status=BackupStatus.RUNNING, heartbeat_at__lt=limit)
    # A queued run that no worker picked up for a day: the queue lost it.
    lost = Backup.objects.filter(status=BackupStatus.QUEUED, created_at__lt=now - timedelta(days=1))
    count = 0
    for backup in [*dead, *lost]:
        backup_fail(backup=backup, error=str(_stopped_message()))
        count += 1
    # A restore runs in one transaction: one still "running" after six hours died with its
    # worker (the transaction rolled back); one queued for a day was lost by the queue.
    stuck_restores = Restore.objects.filter(
        Q(status="running", started_at__lt=now - timedelta(hours=6))
        | Q(status="queued", created_at__lt=now - timedelta(days=1)),
        in_progress=True,
    )
    stuck_restores.update(status="failed", in_progress=None, finished_at=now, error=str(_stopped_message()))
    return count


def _stopped_message():
    from django.utils.translation import gettext as _

    return _("The worker stopped while the backup ran (no sign of life); it did not finish.")


__all__ = ["BackupStep", "backups_reap_dead_runs", "retention_apply"]
