"""Every write of the backups app: request and run a backup (run.py), verify (verify.py),
restore (restore.py), retention and housekeeping (retention.py)."""

from .errors import BackupBusy, BrokerUnavailable, RestoreRefused, SmtpFailed
from .request import backup_request, backup_trigger
from .restore import backup_restore, restore_enqueue, restore_request
from .retention import backups_reap_dead_runs, retention_apply
from .run import backup_run, backup_run_now
from .verify import backup_verify, backups_verify_all

__all__ = [
    "BackupBusy",
    "BrokerUnavailable",
    "RestoreRefused",
    "SmtpFailed",
    "backup_request",
    "backup_restore",
    "backup_run",
    "backup_run_now",
    "backup_trigger",
    "backup_verify",
    "backups_reap_dead_runs",
    "backups_verify_all",
    "restore_enqueue",
    "restore_request",
    "retention_apply",
]
