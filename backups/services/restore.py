"""Restoring a backup: the full, then its chain in order, into a database whose schema
is the backup's.

Before anything is written: the chain is complete and every link succeeded; every link
comes from this schema version and engine; every file's checksums hold (read whole). Then
a safety backup of the current state (a full). Then, in one transaction, every table is
emptied and written from the chain; media files are staged and put in place once the
database has committed. Any failure rolls the database back untouched.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.models import User
from gymsite.core.errors import Invalid

from ..archive import ArchiveError, ArchiveReader
from ..capture import captured_models
from ..engines import Loader, current_schema_version
from ..models import Backup, BackupStatus, BackupTrigger, BackupType, Restore, RestoreStatus
from ..selectors import backup_chain
from .common import backup_dir, backup_path
from .errors import BackupBusy, RestoreRefused
from .verify import check_file

log = logging.getLogger(__name__)


def _refuse(message: str, code: str) -> RestoreRefused:
    return RestoreRefused(message, code)


def restore_plan(*, backup: Backup, using: str = "default") -> list[Backup]:
    """The chain to apply for `backup`, checked (completeness, schema, engine) without
    reading the files: RestoreRefused says why not."""
    if backup.status != BackupStatus.SUCCEEDED or not backup.file_name:
        raise _refuse(_("Only a backup that succeeded can be restored."), "backup_not_restorable")
    chain = backup_chain(backup)
    full = chain[0]
    if full.type != BackupType.FULL:
        raise _refuse(_("The backup's chain is broken: its full backup is missing."), "broken_chain")
    for previous, link in zip([None, *chain], chain, strict=False):
        if link.status != BackupStatus.SUCCEEDED or not link.file_name:
            raise _refuse(_("The backup's chain is broken: a backup it builds on failed or was deleted."), "broken_chain")
        if link.chain_id != full.pk or (previous is not None and link.parent_id != previous.pk):
            raise _refuse(_("The backup's chain is broken."), "broken_chain")
        path = backup_path(link)
        if path is None or not path.is_file():
            raise _refuse(_("The backup's chain is broken: the file of a backup it builds on is missing."), "broken_chain")
    target_version = current_schema_version(using)
    vendor = connections[using].vendor
    for link in chain:
        if link.engine != vendor:
            raise _refuse(
                _("The backup was taken from a %(engine)s database and cannot be restored into %(target)s.")
                % {"engine": link.engine, "target": vendor},
                "engine_mismatch",
            )
        if link.schema_version != target_version:
            raise _refuse(
                _("The backup was taken with another version of the database schema (migrations); restore it with that version."),
                "schema_mismatch",
            )
    return chain


def _check_files(chain: list[Backup]) -> list[dict]:
    manifests = []
    for link in chain:
        try:
            manifests.append(check_file(link))
        except (ArchiveError, OSError) as exc:
            raise _refuse(
                _("The backup of %(when)s fails its checksums: %(error)s") % {"when": link.created_at.isoformat(), "error": exc},
                "checksum_mismatch",
            ) from exc
    for previous, manifest in zip([None, *manifests], manifests, strict=False):
        if previous is not None and manifest.get("base_position") != previous.get("change_position"):
            raise _refuse(_("The backup's chain is broken."), "broken_chain")
    return manifests


def restore_request(*, actor: Actor, backup: Backup, confirm: str) -> Restore:
    """A queued restore of `backup` (the worker runs it): `confirm` must repeat the
    backup's id; 409 when the backup cannot be restored or something is running."""
    if str(confirm).strip().lower() != str(backup.pk):
        message = _("Type the backup's id to confirm: the restore replaces all current data.")
        raise Invalid(message, "confirmation_required", errors={"confirm": [message]})
    restore_plan(backup=backup)
    try:
        with transaction.atomic():
            if Backup.objects.filter(in_progress=True).exists():
                raise BackupBusy()
            restore = Restore.objects.create(
                backup=backup, requested_by=actor.user, requested_by_name=actor.label if actor.user else ""
            )
            audit_record(actor=actor, action="backup.restore_requested", target=backup, data={"restore": str(restore.pk)})
    except IntegrityError as exc:
        raise BackupBusy() from exc
    return restore


def restore_enqueue(*, restore: Restore) -> None:
    """Hand the queued restore to the worker; 503 broker_unavailable (and no row left
    queued) when the broker is down."""
    from ..tasks import run_restore
    from .request import enqueue_after_commit, publish

    def undo(error: str) -> None:
        Restore.objects.filter(pk=restore.pk, status=RestoreStatus.QUEUED).delete()

    enqueue_after_commit(send=lambda: publish(run_restore, [str(restore.pk)]), undo=undo)


def _media_name(name: str) -> str | None:
    relative = PurePosixPath(name[len("media/") :])
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return None
    return relative.as_posix()


def _apply(chain: list[Backup], manifests: list[dict], *, using: str, staging: Path) -> None:
    models = captured_models(using)
    loader = Loader(using, models)
    known = set(loader.models)
    for manifest in manifests:
        missing = set(manifest["tables"]) - known
        if missing:
            raise _refuse(_("The backup holds tables this database does not have: %(tables)s") % {"tables": ", ".join(sorted(missing))}, "schema_mismatch")
    with transaction.atomic(using=using):
        loader.begin()
        for position, (link, manifest) in enumerate(zip(chain, manifests, strict=True)):
            tables = manifest["tables"]
            replaced: set[str] = set()
            reader = ArchiveReader(backup_path(link), expected_sha256=link.sha256)
            for info, stream in reader.members():
                parts = info.name.split("/")
                if parts[0] == "tables" and len(parts) == 4 and parts[1] in tables:
                    table, kind = parts[1], parts[2]
                    entry = tables[table]
                    if position and entry["mode"] == "replace" and table not in replaced:
                        loader.delete_table(table)
                        replaced.add(table)
                    if kind == "keys":
                        loader.delete_keys(table, stream)
                    elif kind == "rows":
                        loader.load_rows(table, entry["columns"], stream)
                elif parts[0] == "media":
                    relative = _media_name(info.name)
                    if relative is None:
                        raise ArchiveError(f"unsafe media path {info.name!r}")
                    target = staging / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with open(target, "wb") as out:
                        shutil.copyfileobj(stream, out, 1 << 16)
                else:
                    raise ArchiveError(f"unexpected member {info.name!r}")
        loader.finish()


def _place_media(index: dict, staging: Path, media_root: Path) -> None:
    """Make MEDIA_ROOT hold exactly the backup's files: each one replaced atomically,
    the others removed."""
    media_root.mkdir(parents=True, exist_ok=True)
    for relative in index:
        source = staging / relative
        if not source.is_file():
            continue  # unchanged since the full and already staged from it, or skipped
        target = media_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.restoring")
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    for directory, _dirs, files in os.walk(media_root):
        for name in files:
            path = Path(directory) / name
            if path.relative_to(media_root).as_posix() not in index:
                path.unlink()


def backup_restore(
    *,
    actor: Actor,
    backup: Backup,
    using: str = "default",
    media_root: Path | None = None,
    safety: bool = True,
    restore: Restore | None = None,
) -> Restore:
    """Restore `backup` (and its chain) into the database `using` and MEDIA_ROOT. The
    checks first, then a safety backup (unless `safety` is off: an empty database has
    nothing to keep), then the data. Raises RestoreRefused (nothing written) or the error
    that rolled the restore back; the Restore row records the outcome either way."""
    if restore is None:
        try:
            restore = Restore.objects.create(
                backup=backup, requested_by=actor.user, requested_by_name=actor.label if actor.user else ""
            )
        except IntegrityError as exc:
            raise BackupBusy() from exc
    Restore.objects.filter(pk=restore.pk).update(status=RestoreStatus.RUNNING, started_at=timezone.now())
    staging = backup_dir() / f".restore-{restore.pk.hex}"
    try:
        chain = restore_plan(backup=backup, using=using)
        manifests = _check_files(chain)
        if safety:
            from .run import backup_run_now

            safety_backup = backup_run_now(type=BackupType.FULL, trigger=BackupTrigger.SAFETY, actor=actor)
            if safety_backup is None:
                raise BackupBusy()
            if safety_backup.status != BackupStatus.SUCCEEDED:
                raise _refuse(
                    _("The safety backup of the current data failed, so nothing was restored: %(error)s")
                    % {"error": safety_backup.error},
                    "safety_backup_failed",
                )
            Restore.objects.filter(pk=restore.pk).update(safety_backup=safety_backup)
        staging.mkdir(parents=True, exist_ok=True)
        _apply(chain, manifests, using=using, staging=staging)
        _place_media(manifests[-1]["media"]["index"], staging, Path(media_root or settings.MEDIA_ROOT))
    except Exception as exc:
        Restore.objects.filter(pk=restore.pk).update(
            status=RestoreStatus.FAILED, in_progress=None, finished_at=timezone.now(), error=str(exc)[:5000]
        )
        audit_record(actor=actor, action="backup.restore_failed", target=backup, data={"error": str(exc)[:500]})
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    Restore.objects.filter(pk=restore.pk).update(
        status=RestoreStatus.SUCCEEDED, in_progress=None, finished_at=timezone.now(), error=""
    )
    if using == "default" and actor.user is not None and not User.objects.filter(pk=actor.user.pk).exists():
        # The restored data predates the admin who asked: the audit names them in words.
        actor = Actor(device_label=_("%(user)s (restore)") % {"user": actor.label}, ip=actor.ip)
    audit_record(
        actor=actor,
        action="backup.restored",
        target=backup,
        data={"restore": str(restore.pk), "chain": [str(link.pk) for link in chain], "database": using},
    )
    restore.refresh_from_db()
    return restore
