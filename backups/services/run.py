"""Running a backup: the snapshot, the tables and media into the archive, then the
verification, all in the worker. A failure at any point leaves the row failed with its
error (and the admins told), never running.

What goes in, by type (pgBackRest's meanings):
- full: every row of every table, every media file;
- differential: every change since the chain's full;
- incremental: every change since the previous backup of the chain, of any type.
A change is a row key in the change log (inserted, updated or deleted); the backup holds
the keys (deleted on restore) and the rows as they are in its snapshot (inserted again).
Media: the files new or changed since the base, and the full list of files (deletions).
"""

from __future__ import annotations

import contextlib
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gymsite.core.metrics import observe_backup

from ..archive import ArchiveReader, ArchiveWriter, ChunkedMember, backup_key
from ..capture import captured_models
from ..engines import Snapshot, columns_of
from ..models import (
    Backup,
    BackupStatus,
    BackupStep,
    BackupTrigger,
    BackupType,
    Restore,
    RestoreStatus,
)
from .common import backup_dir, progress

log = logging.getLogger(__name__)


def media_index(root: Path) -> dict[str, list[int]]:
    """Every regular file under MEDIA_ROOT: relative path -> [size, mtime_ns]."""
    index: dict[str, list[int]] = {}
    if not root.is_dir():
        return index
    for directory, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(directory) / name
            if path.is_symlink() or not path.is_file():
                continue
            stat = path.stat()
            index[path.relative_to(root).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return index


def _base_for(backup: Backup, snapshot: Snapshot) -> tuple[str, Backup | None, Backup | None, str]:
    """(type, parent, full of the chain, reason) for a run asked to be `requested_type`."""
    requested = backup.requested_type
    if requested == BackupType.FULL:
        return BackupType.FULL, None, None, ""
    full = (
        Backup.objects.filter(type=BackupType.FULL, status=BackupStatus.SUCCEEDED, file_name__isnull=False)
        .exclude(pk=backup.pk)
        .order_by("-finished_at")
        .first()
    )
    if full is None:
        return BackupType.FULL, None, None, _("There was no full backup yet, so this one is full.")
    if full.schema_version != snapshot.schema_version or full.engine != snapshot.vendor:
        return BackupType.FULL, None, None, _("The database schema changed since the last full backup, so this one is full.")
    if full.change_position is None or full.verified_ok is False:
        return BackupType.FULL, None, None, _("The last full backup failed verification, so this one is full.")
    if Restore.objects.filter(status=RestoreStatus.SUCCEEDED, finished_at__gt=full.started_at).exists():
        return BackupType.FULL, None, None, _("The database was restored since the last full backup, so this one is full.")
    if requested == BackupType.DIFFERENTIAL:
        return BackupType.DIFFERENTIAL, full, full, ""
    parent = (
        Backup.objects.filter(chain=full, status=BackupStatus.SUCCEEDED)
        .exclude(pk=backup.pk)
        .order_by("-change_position", "-finished_at")
        .first()
    ) or full
    if parent.verified_ok is False:
        return BackupType.FULL, None, None, _("The last full backup failed verification, so this one is full.")
    return BackupType.INCREMENTAL, parent, full, ""


def _file_name(backup: Backup, started: datetime) -> str:
    return f"gymsite-{started:%Y%m%d-%H%M%S}-{backup.type}-{backup.pk.hex[:12]}.gymbak"


def _write(backup: Backup, snapshot: Snapshot, writer: ArchiveWriter, parent: Backup | None) -> dict[str, Any]:
    """The tables and media into `writer`; returns the manifest's body."""
    since = parent.change_position if parent is not None else None
    models = captured_models()
    tables: dict[str, Any] = {}
    counts: dict[str, int] = {}
    total = max(len(models), 1)
    for number, model in enumerate(models):
        table = model._meta.db_table
        entry: dict[str, Any] = {"columns": columns_of(model), "pk": model._meta.pk.column}
        mode = "replace" if since is None or snapshot.truncated_since(table, since) else "merge"
        entry["mode"] = mode
        if mode == "merge":
            keys = ChunkedMember(writer, f"tables/{table}/keys")
            key_count = 0
            for batch in snapshot.changed_keys(table, since):
                key_count += len(batch)
                keys.write(("\n".join(batch) + "\n").encode())
            keys.flush()
            entry["keys"] = key_count
            entry["key_members"] = keys.names
            if key_count == 0:
                entry["rows"], entry["row_members"] = 0, []
                tables[table] = entry
                counts[table] = 0
                continue
        rows = ChunkedMember(writer, f"tables/{table}/rows")
        entry["rows"] = snapshot.export_rows(model, rows.write, since=since if mode == "merge" else None)
        rows.flush()
        entry["row_members"] = rows.names
        tables[table] = entry
        counts[table] = entry["rows"]
        progress(backup, 5 + 70 * (number + 1) // total, BackupStep.EXPORTING)

    progress(backup, 76, BackupStep.MEDIA)
    root = Path(settings.MEDIA_ROOT)
    index = media_index(root)
    # The parent's list of files: an incremental's is the previous backup's, a
    # differential's the full's (its parent).
    base_index = parent.media_index if parent is not None else {}
    media_files = []
    for relative, (size, mtime_ns) in index.items():
        if base_index.get(relative) == [size, mtime_ns]:
            continue
        path = root / relative
        try:
            with open(path, "rb") as handle:
                writer.add_stream(f"media/{relative}", handle, size, mtime_ns / 1e9)
        except (FileNotFoundError, OSError) as exc:  # deleted or cut while we read it
            log.warning("media file %s skipped: %s", relative, exc)
            index.pop(relative, None)
            continue
        media_files.append(relative)
    backup.media_index = index
    progress(backup, 85, BackupStep.COMPRESSING)
    return {
        "tables": tables,
        "row_counts": counts,
        "media": {"files": media_files, "index": index},
    }


def backup_run(*, backup_id) -> Backup | None:
    """Run the queued backup `backup_id` (the worker's task). Idempotent: a backup no
    longer queued (done, failed, or taken by another worker) is left alone."""
    with transaction.atomic():
        backup = Backup.objects.select_for_update().filter(pk=backup_id).first()
        if backup is None or backup.status != BackupStatus.QUEUED:
            return backup
        now = timezone.now()
        backup.status = BackupStatus.RUNNING
        backup.started_at = now
        backup.heartbeat_at = now
        backup.current_step = BackupStep.PREPARING
        backup.progress_percentage = 1
        backup.save(update_fields=["status", "started_at", "heartbeat_at", "current_step", "progress_percentage"])
    try:
        _run(backup)
    except Exception as exc:
        log.exception("backup %s failed", backup.pk)
        backup_fail(backup=backup, error=f"{type(exc).__name__}: {exc}")
        return Backup.objects.get(pk=backup.pk)
    from .retention import retention_apply

    try:
        retention_apply()
    except Exception:  # retention can wait for the next run; the backup itself is good
        log.exception("retention after backup %s failed", backup.pk)
    from ..notifications import notify_success

    backup = Backup.objects.get(pk=backup.pk)
    notify_success(backup)
    return backup


def _run(backup: Backup) -> None:
    key = backup_key()
    directory = backup_dir()
    with Snapshot() as snapshot:
        kind, parent, full, reason = _base_for(backup, snapshot)
        backup.type = kind
        backup.type_reason = reason
        backup.parent = parent
        backup.engine = snapshot.vendor
        backup.schema_version = snapshot.schema_version
        backup.change_position = snapshot.position
        backup.file_name = _file_name(backup, backup.started_at)
        backup.encrypted = key is not None
        backup.format_version = 1
        backup.chain = full
        fields = ["type", "type_reason", "parent", "engine", "schema_version", "change_position", "file_name", "encrypted", "format_version", "chain"]
        if kind == BackupType.FULL:
            backup.chain = None  # set to itself once the row is final (a full is its own chain)
        Backup.objects.filter(pk=backup.pk).update(**{f: getattr(backup, f) for f in fields})
        progress(backup, 3, BackupStep.EXPORTING)
        partial = directory / f".{backup.file_name}.partial"
        writer = ArchiveWriter(partial, key=key)
        try:
            body = _write(backup, snapshot, writer, parent)
            manifest = {
                "app": "gymsite",
                "backup_id": str(backup.pk),
                "type": kind,
                "parent_id": str(parent.pk) if parent else None,
                "chain_id": str((full or backup).pk),
                "created_at": backup.started_at.isoformat(),
                "engine": snapshot.vendor,
                "schema_version": snapshot.schema_version,
                "migrations": snapshot.migrations,
                "change_position": snapshot.position,
                "base_position": parent.change_position if parent else None,
                **body,
            }
            size, sha256 = writer.close(manifest)
        except BaseException:
            writer.abort()
            raise
    final = directory / backup.file_name
    os.replace(partial, final)
    progress(backup, 90, BackupStep.VERIFYING)
    # The file as written, read back whole: checksum, decryption, decompression, manifest.
    reader = ArchiveReader(final, expected_sha256=sha256)
    checked = reader.verify()
    if checked.get("backup_id") != str(backup.pk) or checked.get("row_counts") != body["row_counts"]:
        raise RuntimeError("the written file's manifest does not describe this backup")
    now = timezone.now()
    Backup.objects.filter(pk=backup.pk).update(
        status=BackupStatus.SUCCEEDED,
        in_progress=None,
        finished_at=now,
        heartbeat_at=now,
        size=size,
        sha256=sha256,
        row_counts=body["row_counts"],
        media_count=len(body["media"]["index"]),
        media_index=body["media"]["index"],
        chain=backup.chain or backup,
        progress_percentage=100,
        current_step=BackupStep.DONE,
        verified_at=now,
        verified_ok=True,
        verification_error="",
    )
    _observe(backup_id=backup.pk, result="succeeded")


def _observe(*, backup_id, result: str) -> None:
    """The run's type (as it finally ran) and duration into the Prometheus metrics."""
    done = Backup.objects.only("type", "started_at", "finished_at").get(pk=backup_id)
    seconds = (done.finished_at - done.started_at).total_seconds() if done.started_at and done.finished_at else 0.0
    observe_backup(kind=done.type, result=result, seconds=seconds)


def backup_fail(*, backup: Backup, error: str) -> None:
    """Mark `backup` failed with `error`, remove its partial file, tell the admins."""
    directory = backup_dir()
    for name in (backup.file_name and f".{backup.file_name}.partial", backup.file_name):
        if name:
            with contextlib.suppress(FileNotFoundError):
                (directory / name).unlink()
    updated = Backup.objects.filter(pk=backup.pk, status__in=(BackupStatus.QUEUED, BackupStatus.RUNNING)).update(
        status=BackupStatus.FAILED,
        in_progress=None,
        finished_at=timezone.now(),
        current_step=BackupStep.FAILED,
        error=error[:5000],
        file_name=None,
    )
    if updated:
        from ..notifications import notify_failure

        _observe(backup_id=backup.pk, result="failed")
        notify_failure(Backup.objects.get(pk=backup.pk))


def backup_run_now(*, type: str, trigger: str = BackupTrigger.SCHEDULED, actor=None) -> Backup | None:
    """Request and run a backup in this process (the scheduled task, the safety backup
    before a restore, the bench): None when another one is running."""
    from gymsite.accounts.audit import Actor

    from .errors import BackupBusy
    from .request import backup_request

    try:
        backup = backup_request(actor=actor or Actor.system(), type=type, trigger=trigger)
    except BackupBusy:
        return None
    return backup_run(backup_id=backup.pk)
