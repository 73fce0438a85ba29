"""Verification: re-read a backup's file whole, check its SHA-256 against the catalog,
decrypt and decompress it, check every member against the manifest and the manifest
against the catalog. One changed byte fails it."""

from __future__ import annotations

import logging

from django.utils import timezone

from ..archive import ArchiveError, ArchiveReader
from ..models import Backup, BackupStatus
from .common import backup_path

log = logging.getLogger(__name__)


def check_file(backup: Backup) -> dict:
    """The manifest of `backup`'s file, or ArchiveError saying what is wrong."""
    path = backup_path(backup)
    if path is None or not path.is_file():
        raise ArchiveError("the backup file is missing")
    if backup.size is not None and path.stat().st_size != backup.size:
        raise ArchiveError("the backup file's size does not match the catalog")
    manifest = ArchiveReader(path, expected_sha256=backup.sha256 or None).verify()
    if manifest.get("backup_id") != str(backup.pk):
        raise ArchiveError("the file belongs to another backup")
    if manifest.get("type") != backup.type or manifest.get("schema_version") != backup.schema_version:
        raise ArchiveError("the manifest does not match the catalog (type or schema version)")
    if manifest.get("row_counts") != backup.row_counts:
        raise ArchiveError("the manifest's row counts do not match the catalog")
    if manifest.get("parent_id") != (str(backup.parent_id) if backup.parent_id else None):
        raise ArchiveError("the manifest names another parent")
    return manifest


def backup_verify(*, backup: Backup) -> bool:
    """Verify one backup and record the result; the admins hear of a failure."""
    try:
        check_file(backup)
    except (ArchiveError, OSError) as exc:
        error = str(exc)
    else:
        error = ""
    now = timezone.now()
    Backup.objects.filter(pk=backup.pk).update(verified_at=now, verified_ok=not error, verification_error=error)
    backup.verified_at, backup.verified_ok, backup.verification_error = now, not error, error
    if error:
        log.error("backup %s failed verification: %s", backup.pk, error)
        from ..notifications import notify_verification_failed

        notify_verification_failed(backup)
    return not error


def backups_verify_all() -> dict[str, int]:
    """The weekly check: every kept backup that succeeded. Returns {"ok", "failed"}."""
    result = {"ok": 0, "failed": 0}
    for backup in Backup.objects.filter(status=BackupStatus.SUCCEEDED, file_name__isnull=False).order_by("created_at"):
        result["ok" if backup_verify(backup=backup) else "failed"] += 1
    return result
