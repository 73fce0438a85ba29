"""Running the backups: races on PostgreSQL, a backup running while the site writes, the
schedules (created once, kept when edited), housekeeping's stale email, success emails
only when switched on, the weekly verification, the admin."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from backups import schedules, services, tasks
from backups.models import Backup, BackupStatus, BackupTrigger, BackupType, Change
from gymsite.accounts.audit import Actor
from members.models import Member
from tests.concurrency import run_together
from tests.conftest import client_for
from tests.factories import GymFactory, MemberFactory

URL = "/api/v1/backups"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_triggers_start_one_backup(admin_user, monkeypatch):
    monkeypatch.setattr("backups.services.request._enqueue", lambda backup: None)

    def trigger():
        return client_for(admin_user).post(f"{URL}/trigger", {"type": "incremental"}, format="json")

    responses = run_together([trigger] * 10)
    assert sorted(r.status_code for r in responses) == [202] + [409] * 9
    assert all(r.json()["code"] == "backup_running" for r in responses if r.status_code == 409)
    assert Backup.objects.filter(status="queued").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_of_one_queued_backup_run_it_once():
    GymFactory()
    backup = services.backup_request(actor=Actor.system(), type=BackupType.FULL)
    results = run_together([lambda: services.backup_run(backup_id=backup.pk)] * 3)
    assert not [r for r in results if isinstance(r, BaseException)]
    backup.refresh_from_db()
    assert backup.status == BackupStatus.SUCCEEDED
    assert len(list(services.common.backup_dir().glob("*.gymbak"))) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writes_during_a_backup_land_in_the_next_incremental_never_lost(monkeypatch):
    """The snapshot's position splits the change log exactly: what committed before is in
    this backup, what commits while it runs is in the next one."""
    gym = GymFactory()
    MemberFactory.create_batch(3, gym=gym)
    services.backup_run_now(type=BackupType.FULL, trigger=BackupTrigger.MANUAL)
    writer_done = threading.Event()
    real_truncated = services.run.Snapshot.truncated_since

    def while_reading(self, table, since):
        # While the backup reads, another connection inserts and commits a member.
        if table == "members_member" and not writer_done.is_set():
            def write_member():
                MemberFactory(gym_id=gym.pk, first_name="DuringTheBackup")
                connection.close()

            thread = threading.Thread(target=write_member)
            thread.start()
            thread.join(30)
            writer_done.set()
        return real_truncated(self, table, since)

    monkeypatch.setattr(services.run.Snapshot, "truncated_since", while_reading)
    during = services.backup_run_now(type=BackupType.INCREMENTAL, trigger=BackupTrigger.MANUAL)
    monkeypatch.undo()
    assert writer_done.is_set()
    # Not in this snapshot (it started before the commit)...
    assert during.row_counts["members_member"] == 0
    after = services.backup_run_now(type=BackupType.INCREMENTAL, trigger=BackupTrigger.MANUAL)
    # ...so in the next one.
    assert after.parent_id == during.pk
    assert after.row_counts["members_member"] == 1


@pytest.mark.django_db
def test_default_schedules_are_created_once_and_an_edit_is_kept():
    tasks_by_name = {t.name: t for t in PeriodicTask.objects.filter(name__startswith="backups:")}
    assert set(tasks_by_name) == {d.name for d in schedules.DEFAULTS}
    full = tasks_by_name["backups: daily full backup"]
    assert (full.crontab.minute, full.crontab.hour) == ("0", "3") and json.loads(full.kwargs) == {"type": "full"}
    hourly = tasks_by_name["backups: hourly incremental backup"]
    assert hourly.crontab.hour == "*" and json.loads(hourly.kwargs) == {"type": "incremental"}
    weekly = tasks_by_name["backups: weekly verification"]
    assert weekly.task == "backups.tasks.verify_backups" and weekly.crontab.day_of_week == "0"
    # The owner disables the hourly one in the admin; the next migrate leaves it so.
    PeriodicTask.objects.filter(pk=hourly.pk).update(enabled=False)
    assert schedules.schedules_ensure() == 0
    assert PeriodicTask.objects.filter(name__startswith="backups:").count() == len(schedules.DEFAULTS)
    assert PeriodicTask.objects.get(pk=hourly.pk).enabled is False
    # Deleted, it comes back.
    PeriodicTask.objects.filter(pk=full.pk).delete()
    assert schedules.schedules_ensure() == 1


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_task_runs_a_backup_and_skips_while_one_runs():
    GymFactory()
    assert tasks.run_scheduled_backup(type="incremental") == "succeeded"
    backup = Backup.objects.get()
    assert backup.trigger == BackupTrigger.SCHEDULED and backup.type == BackupType.FULL
    services.backup_request(actor=Actor.system(), type=BackupType.FULL)
    assert tasks.run_scheduled_backup(type="incremental") is None
    assert Backup.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_weekly_verification_checks_every_kept_backup():
    GymFactory()
    first = services.backup_run_now(type=BackupType.FULL, trigger=BackupTrigger.MANUAL)
    services.backup_run_now(type=BackupType.FULL, trigger=BackupTrigger.MANUAL)
    assert tasks.verify_backups() == {"ok": 2, "failed": 0}
    services.common.backup_path(first).write_bytes(b"gone")
    assert tasks.verify_backups() == {"ok": 1, "failed": 1}


@pytest.mark.django_db
def test_housekeeping_emails_once_when_backups_go_stale(smtp, admin_user):
    Backup.objects.create(
        type="full", requested_type="full", trigger="scheduled", status="succeeded", in_progress=None,
        finished_at=timezone.now() - timedelta(hours=5), file_name="old.gymbak",
    )
    assert tasks.backups_housekeeping()["stale"] is True
    assert tasks.backups_housekeeping()["stale"] is True
    assert len(smtp.messages) == 1
    assert smtp.messages[0][1]["Subject"] == "Backups are out of date"


@pytest.mark.django_db(transaction=True)
def test_success_emails_only_when_switched_on(smtp, admin_user, settings):
    GymFactory()
    services.backup_run_now(type=BackupType.FULL, trigger=BackupTrigger.MANUAL)
    assert smtp.messages == []
    settings.BACKUP_NOTIFY_SUCCESS = True
    services.backup_run_now(type=BackupType.FULL, trigger=BackupTrigger.MANUAL)
    assert len(smtp.messages) == 1 and "succeeded" in smtp.messages[0][1]["Subject"]


@pytest.mark.django_db(transaction=True)
def test_statement_level_capture_of_a_bulk_update_and_delete():
    gym = GymFactory()
    MemberFactory.create_batch(50, gym=gym)
    Change.objects.all().delete()
    Member.objects.filter(gym=gym).update(notes="x")
    assert Change.objects.filter(table_name="members_member", op="U").values("row_key").distinct().count() == 50
    Member.objects.filter(gym=gym).delete()
    assert Change.objects.filter(table_name="members_member", op="D").count() == 50


@pytest.mark.django_db
def test_admin_lists_backups_and_takes_one_through_the_services(admin_user, monkeypatch):
    from django.test import Client

    monkeypatch.setattr("backups.services.request._enqueue", lambda backup: None)
    Backup.objects.create(type="full", requested_type="full", trigger="scheduled", status="failed", in_progress=None, error="disk")
    client = Client()
    client.force_login(admin_user)
    page = client.get("/admin/backups/backup/")
    assert page.status_code == 200 and "disk" not in page.content.decode()[:0]
    response = client.post("/admin/backups/backup/", {"action": "take_full_backup", "_selected_action": [str(Backup.objects.get().pk)]})
    assert response.status_code == 302
    assert Backup.objects.filter(status="queued", trigger="manual", requested_by=admin_user).count() == 1
    assert client.get("/admin/backups/backup/add/").status_code == 403
    assert client.get(f"/admin/backups/backup/{Backup.objects.first().pk}/change/").status_code == 200
