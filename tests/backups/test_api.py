"""The backups API (seed 000): trigger, status, history, dashboard, download, test email,
restore; admin only."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from backups import services
from backups.models import Backup, BackupStatus, BackupTrigger, Restore
from gymsite.accounts.models import AuditEvent
from tests.factories import GymFactory, MemberFactory

URL = "/api/v1/backups"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens


@pytest.mark.django_db(transaction=True)
def test_trigger_runs_a_backup_in_the_worker_and_status_and_history_show_it(admin_client, eager):
    GymFactory()
    response = admin_client.post(f"{URL}/trigger", {"type": "differential"}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "running" and body["message"] == "Backup differential started"
    backup = Backup.objects.get(pk=body["job_id"])
    # Eager: the task ran after the commit. No full existed: it became one, and says so.
    assert backup.status == BackupStatus.SUCCEEDED and backup.type == "full"
    assert backup.requested_type == "differential" and backup.type_reason
    assert backup.trigger == BackupTrigger.MANUAL and backup.requested_by_name == "admin"
    status = admin_client.get(f"{URL}/status").json()
    assert status["is_running"] is False and status["last_backup"] is not None
    history = admin_client.get(f"{URL}/history").json()
    assert history["count"] == 1 and history["results"][0]["id"] == str(backup.pk)
    assert history["results"][0]["row_counts"]["members_member"] == 0
    assert AuditEvent.objects.filter(action="backup.requested", target_id=str(backup.pk)).exists()


@pytest.mark.django_db
def test_trigger_answers_in_spanish_and_refuses_a_bad_type(admin_client, monkeypatch):
    sent = []
    monkeypatch.setattr("backups.services.request._enqueue", sent.append)
    response = admin_client.post(f"{URL}/trigger", {"type": "weekly"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "type" in response.json()["errors"]
    assert not Backup.objects.exists()
    response = admin_client.post(f"{URL}/trigger", {}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 202
    assert response.json()["message"] == "Backup full iniciado"
    assert Backup.objects.get().type == "full"


@pytest.mark.django_db
def test_a_second_trigger_while_one_runs_is_409(admin_client, monkeypatch):
    monkeypatch.setattr("backups.services.request._enqueue", lambda backup: None)
    assert admin_client.post(f"{URL}/trigger", {}, format="json").status_code == 202
    response = admin_client.post(f"{URL}/trigger", {"type": "incremental"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "backup_running"
    assert Backup.objects.count() == 1
    status = admin_client.get(f"{URL}/status").json()
    assert status["is_running"] is True and status["current_step"] == "Waiting to start"


@pytest.mark.django_db(transaction=True)
def test_trigger_with_the_broker_unreachable_is_503_and_leaves_no_queued_row(admin_client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    response = admin_client.post(f"{URL}/trigger", {}, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "broker_unavailable"
    assert not Backup.objects.filter(status__in=["queued", "running"]).exists()
    assert AuditEvent.objects.filter(action="backup.enqueue_failed").exists()
    # The slot is free: the next try with a broker works.
    settings.CELERY_BROKER_URL = "memory://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    assert admin_client.post(f"{URL}/trigger", {}, format="json").status_code == 202


@pytest.mark.django_db
@pytest.mark.parametrize("client_name", ["trainer_client", "receptionist_client", "mechanic_client"])
def test_only_admins(request, client_name):
    client = request.getfixturevalue(client_name)
    for method, path in [("get", "dashboard-summary"), ("post", "trigger"), ("get", "status"), ("get", "history"), ("get", "test-email")]:
        assert getattr(client, method)(f"{URL}/{path}").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_download_streams_the_catalogued_file_and_is_audited(admin_client, eager):
    response = admin_client.post(f"{URL}/trigger", {}, format="json")
    backup = Backup.objects.get(pk=response.json()["job_id"])
    response = admin_client.get(f"{URL}/download/{backup.file_name}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{backup.file_name}"'
    content = b"".join(response.streaming_content)
    assert len(content) == backup.size and content.startswith(b"GYMSITE-BACKUP\n")
    assert AuditEvent.objects.filter(action="backup.downloaded", target_id=str(backup.pk)).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "../settings.py",
        "..%2Fsettings.py",
        "..%252Fsettings.py",
        "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        "..",
        "..%5C..%5Cwindows",
        "unknown.gymbak",
        "gymsite-x.gymbak%00.txt",
    ],
)
def test_download_of_anything_not_in_the_catalog_is_404(admin_client, name, settings, tmp_path):
    # A file that exists in BACKUP_DIR but is not in the catalog is not served either.
    directory = Path(settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "unknown.gymbak").write_bytes(b"secret")
    response = admin_client.get(f"{URL}/download/{name}")
    assert response.status_code == 404, (name, response.status_code)
    assert response.json()["code"] in ("not_found",)
    assert not AuditEvent.objects.filter(action="backup.downloaded").exists()


@pytest.mark.django_db
def test_download_of_a_failed_backup_is_404(admin_client):
    Backup.objects.create(type="full", requested_type="full", trigger="manual", status="failed", in_progress=None, file_name="x.gymbak")
    assert admin_client.get(f"{URL}/download/x.gymbak").status_code == 404


@pytest.mark.django_db
def test_dashboard_summary_has_the_seed_shape(admin_client):
    response = admin_client.get(f"{URL}/dashboard-summary")
    assert response.status_code == 200
    body = response.json()
    assert {"system_status", "last_backup", "config", "recent_history"} <= set(body)
    assert body["system_status"] == "WARNING" and body["last_backup"] is None
    assert set(body["config"]) == {"frequency", "next_scheduled"}
    assert "Full" in body["config"]["frequency"] and "Incremental" in body["config"]["frequency"]
    assert body["config"]["next_scheduled"] is not None
    assert body["recent_history"] == []
    spanish = admin_client.get(f"{URL}/dashboard-summary", HTTP_ACCEPT_LANGUAGE="es").json()
    assert "Completo" in spanish["config"]["frequency"]


@pytest.mark.django_db
def test_history_is_paginated_newest_first_in_a_bounded_number_of_queries(admin_client, django_assert_max_num_queries):
    for _ in range(7):
        Backup.objects.create(type="full", requested_type="full", trigger="scheduled", status="failed", in_progress=None)
    with django_assert_max_num_queries(4):
        body = admin_client.get(f"{URL}/history", {"limit": 5}).json()
    assert body["count"] == 7 and len(body["results"]) == 5 and body["next"]
    created = [row["created_at"] for row in body["results"]]
    assert created == sorted(created, reverse=True)


@pytest.mark.django_db
def test_test_email_goes_through_smtp_and_a_refusal_is_502(admin_client, admin_user, smtp):
    response = admin_client.get(f"{URL}/test-email")
    assert response.status_code == 200
    assert response.json() == {"message": "Email sent successfully"}
    assert response.json()["message"]
    assert smtp.recipients == [[admin_user.email]]
    spanish = admin_client.get(f"{URL}/test-email", HTTP_ACCEPT_LANGUAGE="es").json()
    assert spanish == {"message": "Correo enviado con éxito"}
    smtp.refuse.add(admin_user.email)
    response = admin_client.get(f"{URL}/test-email")
    assert response.status_code == 502
    assert response.json()["code"] == "smtp_error" and "550" in response.json()["detail"]


@pytest.mark.django_db
def test_test_email_with_the_smtp_server_down_is_502(admin_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    response = admin_client.get(f"{URL}/test-email")
    assert response.status_code == 502 and response.json()["code"] == "smtp_error"


@pytest.mark.django_db(transaction=True)
def test_restore_needs_the_confirmation_then_restores_through_the_worker(admin_client, admin_user, eager, settings):
    gym = GymFactory(name="Before")
    backup = services.backup_run_now(type="full", trigger=BackupTrigger.MANUAL)
    MemberFactory(gym=gym, first_name="AfterTheBackup")
    url = f"{URL}/{backup.pk}/restore"
    assert admin_client.post(url, {}, format="json").status_code == 400
    response = admin_client.post(url, {"confirm": "yes"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "confirmation_required"
    assert not Restore.objects.exists()
    response = admin_client.post(url, {"confirm": str(backup.pk)}, format="json")
    assert response.status_code == 202, response.content
    restore = Restore.objects.get(pk=response.json()["restore_id"])
    assert restore.status == "succeeded", restore.error
    from members.models import Member

    assert not Member.objects.filter(first_name="AfterTheBackup").exists()
    # The safety backup holds the state the restore replaced.
    assert restore.safety_backup.trigger == "safety"
    assert restore.safety_backup.row_counts["members_member"] == 1
    assert AuditEvent.objects.filter(action="backup.restored").exists()


@pytest.mark.django_db
def test_restore_of_an_unknown_or_malformed_id_is_404(admin_client):
    assert admin_client.post(f"{URL}/00000000-0000-0000-0000-000000000000/restore", {"confirm": "x"}, format="json").status_code == 404
    assert admin_client.post(f"{URL}/not-a-uuid/restore", {"confirm": "x"}, format="json").status_code == 404


def test_backup_dir_is_outside_media_root():
    assert not Path(django_settings.BACKUP_DIR).resolve().is_relative_to(Path(django_settings.MEDIA_ROOT).resolve())


def test_system_checks_refuse_backups_under_media_and_a_bad_key(settings, tmp_path):
    from backups.checks import backup_settings

    assert backup_settings() == []
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "media" / "backups"
    settings.BACKUP_KEY = "not-a-key"
    assert sorted(e.id for e in backup_settings()) == ["backups.E001", "backups.E002"]


@pytest.mark.django_db
def test_the_catalog_list_is_newest_first(admin_client, trainer_client):
    for _ in range(3):
        Backup.objects.create(type="full", requested_type="full", trigger="scheduled", status="failed", in_progress=None)
    body = admin_client.get(f"{URL}/").json()
    assert body["count"] == 3
    assert [r["created_at"] for r in body["results"]] == sorted((r["created_at"] for r in body["results"]), reverse=True)
    assert trainer_client.get(f"{URL}/").status_code == 403
