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


def publish(task, args: list) -> None:
    """Send `task` to the broker named by the settings now, once, no retries: with the
    broker down the admin hears it at once (503), not after a minute of retrying."""
    from django.conf import settings

    if task.app.conf.task_always_eager:
        task.apply_async(args=args)
        return
    with task.app.connection_for_write(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=3,
    ) as connection:
        task.apply_async(args=args, connection=connection, retry=False)


def _enqueue(backup: Backup) -> None:
    from ..tasks import run_backup

    publish(run_backup, [str(backup.pk)])


def enqueue_after_commit(*, send, undo) -> None:
    """Run `send` (publish a task) once the caller's transaction commits; if the broker
    refuses it, run `undo` (remove the row no worker will ever see) and raise 503
    broker_unavailable. Called outside any transaction, `send` runs at once."""
    failure: list[Exception] = []

    def attempt():
        try:
            send()
        except Exception as exc:  # kombu's OperationalError, a refused connection, a timeout
            failure.append(exc)

    with transaction.atomic():
        transaction.on_commit(attempt)
    if failure:
        log.warning("task not enqueued: %s", failure[0])
        undo(str(failure[0])[:500])
        raise BrokerUnavailable()


def backup_trigger(*, actor: Actor, type: str = BackupType.FULL) -> Backup:
    """Request a manual backup and enqueue its task once the row is committed. With the
    broker unreachable: 503 broker_unavailable, and the row is gone (nothing queued that
    no worker will ever run, and the slot is free for the next try)."""
    backup = backup_request(actor=actor, type=type, trigger=BackupTrigger.MANUAL)

    def undo(error: str) -> None:
        with transaction.atomic():
            Backup.objects.filter(pk=backup.pk, status=BackupStatus.QUEUED).delete()
            audit_record(actor=actor, action="backup.enqueue_failed", data={"backup": str(backup.pk), "error": error})

    enqueue_after_commit(send=lambda: _enqueue(backup), undo=undo)
    return backup
