"""Asking for a backup: one row in the catalog, queued, and the task enqueued after the
commit. One at a time: the unique `in_progress` slot refuses a second (409)."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.core.errors import Invalid

from ..models import Backup, BackupStatus, BackupTrigger, BackupType, Restore
from .errors import BackupBusy, BrokerUnavailable

log = logging.getLogger(__name__)


def _check_type(type: str) -> str:
    if type not in BackupType.values:
        message = _("Choose one of: %(choices)s.") % {"choices": ", ".join(BackupType.values)}
        raise Invalid(message, "invalid", errors={"type": [message]})
    return type


def backup_request(*, actor: Actor, type: str = BackupType.FULL, trigger: str = BackupTrigger.MANUAL) -> Backup:
    """A queued backup in the catalog (its own transaction); 409 backup_running when one
    is queued or running, or a restore is."""
    _check_type(type)
    try:
        with transaction.atomic():
            # The safety backup runs inside its restore; anything else waits for it.
            if trigger != BackupTrigger.SAFETY and Restore.objects.filter(in_progress=True).exists():
                raise BackupBusy()
            backup = Backup.objects.create(
                type=type,
                requested_type=type,
                trigger=trigger,
                requested_by=actor.user,
                requested_by_name=actor.label if actor.user else "",
                status=BackupStatus.QUEUED,
                in_progress=True,
            )
            audit_record(actor=actor, action="backup.requested", target=backup, data={"type": type, "trigger": trigger})
    except IntegrityError as exc:
        raise BackupBusy() from exc
    return backup


def _enqueue(backup: Backup) -> None:
    from ..tasks import run_backup

    # No retries here: with the broker down the admin hears it now (503), not in a minute.
    run_backup.apply_async(args=[str(backup.pk)], retry=False)


def backup_trigger(*, actor: Actor, type: str = BackupType.FULL) -> Backup:
    """Request a manual backup and enqueue its task once the row is committed. With the
    broker unreachable: 503 broker_unavailable, and the row is gone (nothing queued that
    no worker will ever run, and the slot is free for the next try)."""
    failure: list[Exception] = []

    def enqueue():
        try:
            _enqueue(backup)
        except Exception as exc:  # kombu's OperationalError, a refused connection, a timeout
            failure.append(exc)

    with transaction.atomic():
        backup = backup_request(actor=actor, type=type, trigger=BackupTrigger.MANUAL)
        transaction.on_commit(enqueue)
    if failure:
        log.warning("backup %s not enqueued: %s", backup.pk, failure[0])
        with transaction.atomic():
            Backup.objects.filter(pk=backup.pk, status=BackupStatus.QUEUED).delete()
            audit_record(
                actor=actor, action="backup.enqueue_failed", data={"backup": str(backup.pk), "error": str(failure[0])[:500]}
            )
        raise BrokerUnavailable()
    return backup
