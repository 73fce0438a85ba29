"""The round trip (issue 10): full, changes of every kind (ORM, QuerySet.update,
bulk, raw SQL, deletes, media), incremental, more changes, differential, another
incremental; each restored into an empty database equals the live one, table by table,
media file by media file. On SQLite locally, on PostgreSQL under CI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from attendance.models import Attendance
from backups import services
from backups.models import Backup, BackupStatus, BackupTrigger, BackupType, Change
from gymsite.accounts.audit import Actor
from members.models import Member
from tests.factories import GymFactory, MemberFactory, UserFactory

from .helpers import empty_database, table_contents

pytestmark = pytest.mark.django_db(transaction=True)


def media_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _visit(member, day):
    at = timezone.make_aware(dt.datetime(2026, 1, day, 9, 0), dt.UTC)
    return Attendance(member=member, gym=member.gym, check_in_at=at, local_date=at.date(), result="granted", source="front_desk")


def _run(type):
    backup = services.backup_run_now(type=type, trigger=BackupTrigger.MANUAL)
    assert backup.status == BackupStatus.SUCCEEDED, backup.error
    return backup


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "aes-gcm"])
def test_full_incremental_differential_restore_into_an_empty_database(tmp_path, settings, encrypted):
    if encrypted:
        settings.BACKUP_KEY = "q5FqjH0iN1Xk3o7WmBZ3b2cZpW8yO6a3q1yZ4k7mN0s="
    media = Path(settings.MEDIA_ROOT)
    (media / "members/photos").mkdir(parents=True)
    (media / "members/photos/a.jpg").write_bytes(b"\xff\xd8photo-a")
    (media / "members/photos/gone.jpg").write_bytes(b"\xff\xd8photo-gone")
    gym = GymFactory(name="Main")
    UserFactory(username="owner", email="owner@gym.com", role="admin", gym=None)
    members = MemberFactory.create_batch(5, gym=gym)
    Attendance.objects.bulk_create(_visit(m, 1) for m in members)

    full = _run(BackupType.FULL)
    assert full.row_counts["members_member"] == 5
    assert full.media_count == 2
    assert full.encrypted is encrypted

    # Changes of every kind, none through a model's save() alone.
    MemberFactory(gym=gym, first_name="Added")
    Member.objects.filter(pk=members[0].pk).update(first_name="ViaQuerySetUpdate")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE members_member SET last_name = %s WHERE id = %s", ["ViaRawSQL", members[1].pk])
        cursor.execute("DELETE FROM attendance_attendance WHERE member_id = %s", [members[2].pk])
    Attendance.objects.bulk_create([_visit(members[3], 2), _visit(members[4], 2)])
    members[4].delete()
    (media / "members/photos/b.jpg").write_bytes(b"\xff\xd8photo-b")
    (media / "members/photos/gone.jpg").unlink()
    assert Change.objects.filter(table_name="members_member", op="U").exists()

    incremental = _run(BackupType.INCREMENTAL)
    assert incremental.type == BackupType.INCREMENTAL
    assert incremental.parent_id == full.pk and incremental.chain_id == full.pk
    # Only what changed and still exists: the added member and the two updated (the
    # deleted one is a key to delete); of the visits, member 3's new one (member 4's went
    # with the member).
    assert incremental.row_counts["members_member"] == 3
    assert incremental.row_counts["attendance_attendance"] == 1
    at_incremental = table_contents()
    media_at_incremental = media_files(media)

    Member.objects.filter(gym=gym).update(notes="bulk")
    Attendance.objects.filter(member=members[3]).delete()
    (media / "members/photos/a.jpg").write_bytes(b"\xff\xd8photo-a-changed")

    differential = _run(BackupType.DIFFERENTIAL)
    assert differential.type == BackupType.DIFFERENTIAL
    assert differential.parent_id == full.pk

    MemberFactory(gym=gym, first_name="Late")
    incremental2 = _run(BackupType.INCREMENTAL)
    assert incremental2.parent_id == differential.pk
    live = table_contents()
    live_media = media_files(media)
    assert "members_member" in live and "attendance_attendance" in live

    actor = Actor.system()
    target_media = tmp_path / "target_media"
    with empty_database(tmp_path) as alias:
        services.backup_restore(actor=actor, backup=incremental2, using=alias, media_root=target_media, safety=False)
        restored = table_contents(alias)
        assert restored.keys() == live.keys()
        for table in live:
            assert restored[table] == live[table], table
        assert media_files(target_media) == live_media

        # The first incremental's chain gives the state of that moment.
        services.backup_restore(actor=actor, backup=incremental, using=alias, media_root=target_media, safety=False)
        restored = table_contents(alias)
        for table in at_incremental:
            assert restored[table] == at_incremental[table], table
        assert media_files(target_media) == media_at_incremental
        assert "members/photos/gone.jpg" not in media_files(target_media)


def test_a_run_becomes_full_when_there_is_no_full(settings):
    GymFactory()
    backup = _run(BackupType.INCREMENTAL)
    assert backup.type == BackupType.FULL
    assert backup.requested_type == BackupType.INCREMENTAL
    assert "no full backup" in backup.type_reason
    assert backup.parent_id is None and backup.chain_id == backup.pk
    assert Backup.objects.get(pk=backup.pk).progress_percentage == 100
