"""What makes a backup worth keeping: verification catches one changed byte, restore
refuses a broken chain, another schema or a bad checksum (and writes nothing), progress
only grows, a crash leaves the run failed, retention keeps what kept backups need, and a
table migrated later is captured."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.utils import timezone

from backups import capture, services
from backups.archive import ArchiveError, ArchiveReader
from backups.models import Backup, BackupStatus, BackupTrigger, BackupType, Change, Restore
from backups.services.common import backup_path
from gymsite.accounts.audit import Actor
from members.models import Member
from tests.factories import GymFactory, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _run(type=BackupType.FULL):
    backup = services.backup_run_now(type=type, trigger=BackupTrigger.MANUAL)
    assert backup.status == BackupStatus.SUCCEEDED, backup.error
    return backup


def _flip_byte(path, offset):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "aes-gcm"])
@pytest.mark.parametrize("where", ["header", "middle", "end"])
def test_one_corrupted_byte_fails_verification_and_restore(settings, encrypted, where, smtp, admin_user):
    if encrypted:
        settings.BACKUP_KEY = "q5FqjH0iN1Xk3o7WmBZ3b2cZpW8yO6a3q1yZ4k7mN0s="
    MemberFactory.create_batch(3, gym=GymFactory())
    backup = _run()
    path = backup_path(backup)
    assert services.backup_verify(backup=backup) is True
    size = path.stat().st_size
    _flip_byte(path, {"header": 20, "middle": size // 2, "end": size - 1}[where])
    assert services.backup_verify(backup=backup) is False
    backup.refresh_from_db()
    assert backup.verified_ok is False and backup.verification_error
    # The admins hear of it, through a real SMTP server.
    assert smtp.recipients == [[admin_user.email]]
    assert "verification failed" in smtp.messages[0][1]["Subject"].lower()
    with pytest.raises(services.RestoreRefused) as refused:
        services.backup_restore(actor=Actor.system(), backup=backup, safety=False)
    assert refused.value.code == "checksum_mismatch"
    assert Member.objects.count() == 3


def test_the_sha256_alone_catches_a_change_the_archive_would_survive(settings):
    # The reader checks the whole file against the catalog, not only what it decodes.
    GymFactory()
    backup = _run()
    with pytest.raises(ArchiveError, match="SHA-256"):
        ArchiveReader(backup_path(backup), expected_sha256="0" * 64).verify()


def test_the_wrong_key_or_no_key_is_told_apart_from_corruption(settings):
    settings.BACKUP_KEY = "q5FqjH0iN1Xk3o7WmBZ3b2cZpW8yO6a3q1yZ4k7mN0s="
    backup = _run()
    assert b"members_member" not in backup_path(backup).read_bytes()  # encrypted: no plain table names
    settings.BACKUP_KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    with pytest.raises(ArchiveError, match="another BACKUP_KEY"):
        ArchiveReader(backup_path(backup)).verify()
    settings.BACKUP_KEY = ""
    with pytest.raises(ArchiveError, match="BACKUP_KEY is not set"):
        ArchiveReader(backup_path(backup)).verify()


def test_a_truncated_file_fails(settings):
    settings.BACKUP_KEY = "q5FqjH0iN1Xk3o7WmBZ3b2cZpW8yO6a3q1yZ4k7mN0s="
    backup = _run()
    path = backup_path(backup)
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(ArchiveError):
        ArchiveReader(path).verify()


def test_restore_refuses_a_broken_chain_and_writes_nothing():
    gym = GymFactory()
    full = _run()
    MemberFactory(gym=gym)
    incremental = _run(BackupType.INCREMENTAL)
    MemberFactory(gym=gym)
    # The full's file is gone: the incremental cannot be restored.
    backup_path(full).unlink()
    with pytest.raises(services.RestoreRefused) as refused:
        services.backup_restore(actor=Actor.system(), backup=incremental, safety=False)
    assert refused.value.code == "broken_chain"
    assert Member.objects.count() == 2
    # A parent that failed breaks it too.
    Backup.objects.filter(pk=full.pk).update(status=BackupStatus.FAILED)
    with pytest.raises(services.RestoreRefused) as refused:
        services.backup_restore(actor=Actor.system(), backup=incremental, safety=False)
    assert refused.value.code == "broken_chain"
    assert Restore.objects.filter(status="failed").count() == 2


def test_restore_refuses_another_schema_version():
    GymFactory()
    backup = _run()
    # django_migrations is no model's table: the test's flush leaves it, so clean up.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
            ["members", "9999_from_the_future", timezone.now()],
        )
    try:
        with pytest.raises(services.RestoreRefused) as refused:
            services.backup_restore(actor=Actor.system(), backup=backup, safety=False)
        assert refused.value.code == "schema_mismatch"
        # A new run cannot build on that full: it becomes a full, and says why.
        again = _run(BackupType.INCREMENTAL)
        assert again.type == BackupType.FULL and "schema" in again.type_reason
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_migrations WHERE name = %s", ["9999_from_the_future"])


def test_restore_takes_a_safety_backup_first():
    gym = GymFactory()
    backup = _run()
    MemberFactory(gym=gym, first_name="Precious")
    restore = services.backup_restore(actor=Actor.system(), backup=backup)
    assert restore.status == "succeeded"
    assert not Member.objects.filter(first_name="Precious").exists()
    safety = restore.safety_backup
    assert safety.trigger == BackupTrigger.SAFETY and safety.type == BackupType.FULL
    # Restoring the safety backup brings the state before the restore back.
    services.backup_restore(actor=Actor.system(), backup=safety, safety=False)
    assert Member.objects.filter(first_name="Precious").exists()
    # After a restore the change log starts afresh and the next backup is a full.
    after = _run(BackupType.INCREMENTAL)
    assert after.type == BackupType.FULL and "restored" in after.type_reason


def test_progress_only_grows_and_names_each_step(monkeypatch):
    MemberFactory.create_batch(2, gym=GymFactory())
    seen = []
    real_progress = services.run.progress

    def recording(backup, percent, step, **kwargs):
        real_progress(backup, percent, step, **kwargs)
        row = Backup.objects.get(pk=backup.pk)
        seen.append((row.progress_percentage, row.current_step))

    monkeypatch.setattr(services.run, "progress", recording)
    backup = _run()
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[-1] >= 90
    steps = [s for _, s in seen]
    assert {"exporting", "media", "compressing", "verifying"} <= set(steps)
    assert backup.progress_percentage == 100 and backup.current_step == "done"
    # A late, lower report never moves it back.
    real_progress(backup, 10, "exporting")
    assert Backup.objects.get(pk=backup.pk).progress_percentage == 100


def test_a_crash_leaves_the_backup_failed_with_its_error_and_frees_the_slot(monkeypatch, smtp, admin_user):
    GymFactory()

    def boom(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(services.run, "media_index", boom)
    backup = services.backup_run_now(type=BackupType.FULL, trigger=BackupTrigger.MANUAL)
    assert backup.status == BackupStatus.FAILED and "No space left" in backup.error
    assert backup.in_progress is None and backup.file_name is None
    assert list(services.common.backup_dir().iterdir()) == []  # no partial file left
    assert smtp.recipients == [[admin_user.email]]
    assert "failed" in smtp.messages[0][1]["Subject"].lower()
    monkeypatch.undo()
    assert _run().status == BackupStatus.SUCCEEDED


def test_a_run_whose_worker_died_is_failed_by_housekeeping(settings):
    backup = Backup.objects.create(
        type="full", requested_type="full", trigger="scheduled", status=BackupStatus.RUNNING,
        started_at=timezone.now(), heartbeat_at=timezone.now() - timezone.timedelta(hours=2),
    )
    from backups.tasks import backups_housekeeping

    assert backups_housekeeping()["reaped"] == 1
    backup.refresh_from_db()
    assert backup.status == BackupStatus.FAILED and "worker stopped" in backup.error
    assert backup.in_progress is None
    # Redelivered after the worker's death, the task does nothing twice.
    assert services.backup_run(backup_id=backup.pk).status == BackupStatus.FAILED


def test_retention_keeps_the_last_fulls_and_every_dependency(settings):
    settings.BACKUP_RETENTION_FULLS = 2
    gym = GymFactory()
    old_full = _run()
    old_inc = _run(BackupType.INCREMENTAL)
    full2 = _run()
    MemberFactory(gym=gym)
    inc2 = _run(BackupType.INCREMENTAL)
    diff2 = _run(BackupType.DIFFERENTIAL)
    full3 = _run()  # retention runs after each backup: the oldest chain goes
    remaining = set(Backup.objects.values_list("pk", flat=True))
    assert remaining == {full2.pk, inc2.pk, diff2.pk, full3.pk}
    assert not backup_path(old_full).exists() and not backup_path(old_inc).exists()
    assert backup_path(inc2).exists()
    # The change log below the newest full's position is gone.
    assert not Change.objects.filter(id__lte=full3.change_position).exists()
    # A restore's backup is kept whatever its age, with the chain it needs.
    Restore.objects.create(backup=inc2, status="succeeded", in_progress=None)
    _run()
    _run()
    remaining = set(Backup.objects.values_list("pk", flat=True))
    assert {full2.pk, inc2.pk} <= remaining and diff2.pk not in remaining


def test_a_table_migrated_later_is_captured(settings):
    """An app added after the backups (training, classes...) gets its triggers at its
    first migrate: post_migrate reinstalls them on every table the registry knows."""

    class LateTable(models.Model):
        name = models.CharField(max_length=20)

        class Meta:
            app_label = "members"
            db_table = "backups_test_late_table"

        def __str__(self):
            return self.name

    from django.apps import apps

    try:
        with connection.schema_editor() as editor:
            editor.create_model(LateTable)
        call_command("migrate", verbosity=0)  # nothing to apply; post_migrate still runs
        assert "backups_test_late_table" in capture.triggers_install()
        before = Change.objects.count()
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO backups_test_late_table (name) VALUES ('raw')")
        LateTable.objects.filter(name="raw").update(name="orm")
        LateTable.objects.all().delete()
        ops = list(Change.objects.filter(table_name="backups_test_late_table").order_by("id").values_list("op", flat=True))
        assert Change.objects.count() > before
        assert ops == ["I", "U", "D"]
        full = _run()
        assert "backups_test_late_table" in full.row_counts
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(LateTable)
        del apps.all_models["members"]["latetable"]
        apps.clear_cache()


def test_restore_backup_command(capsys):
    gym = GymFactory()
    backup = _run()
    MemberFactory(gym=gym, first_name="Later")
    with pytest.raises(CommandError, match="No backup"):
        call_command("restore_backup", "00000000-0000-0000-0000-000000000000", "--yes")
    with pytest.raises(CommandError, match="No backup"):
        call_command("restore_backup", "nonsense", "--yes")
    call_command("restore_backup", str(backup.pk), "--yes")
    out = capsys.readouterr().out
    assert "Safety backup" in out and "Restored" in out
    assert not Member.objects.filter(first_name="Later").exists()
    assert Restore.objects.get(backup=backup).status == "succeeded"
