"""/api/v1/devices/ (admin) and /api/v1/members/{id}/biometric-consent (front desk)."""

import pytest

from devices.models import BiometricConsent, Device, FingerprintTemplate, hash_device_token
from devices.services.templates import template_store
from gymsite.accounts.audit import Actor
from gymsite.accounts.models import AuditEvent
from tests.factories import MemberFactory

from .conftest import TEMPLATE_1, TEMPLATE_2, consenting_member

pytestmark = pytest.mark.django_db


def test_create_shows_the_token_once_and_keeps_only_its_hash(admin_client, gym):
    response = admin_client.post("/api/v1/devices/", {"name": "Door", "serial": "SN-1", "gym": gym.pk}, format="json")
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    device = Device.objects.get(pk=response.json()["id"])
    assert device.token_hash == hash_device_token(token) and token not in device.token_hash
    detail = admin_client.get(f"/api/v1/devices/{device.pk}").json()
    assert "token" not in detail and detail["token_prefix"] == token[:11]
    assert AuditEvent.objects.filter(action="device.created", target_id=str(device.pk)).exists()


def test_serial_is_unique_in_a_gym(admin_client, gym):
    admin_client.post("/api/v1/devices/", {"name": "Door", "serial": "SN-1", "gym": gym.pk}, format="json")
    response = admin_client.post("/api/v1/devices/", {"name": "Door 2", "serial": "SN-1", "gym": gym.pk}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "serial_taken"


def test_patch_changes_only_editable_fields_and_delete_revokes_for_good(admin_client, gym):
    device_id = admin_client.post("/api/v1/devices/", {"name": "Door", "gym": gym.pk}, format="json").json()["id"]
    response = admin_client.patch(f"/api/v1/devices/{device_id}", {"name": "Back door"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Back door"
    assert admin_client.delete(f"/api/v1/devices/{device_id}").status_code == 204
    device = Device.objects.get(pk=device_id)
    assert not device.is_active and device.revoked_at is not None
    response = admin_client.patch(f"/api/v1/devices/{device_id}", {"is_active": True}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "device_revoked"
    actions = set(AuditEvent.objects.filter(target_id=str(device_id)).values_list("action", flat=True))
    assert {"device.created", "device.changed", "device.revoked"} <= actions


def test_devices_are_admin_only(receptionist_client, trainer_client):
    assert receptionist_client.get("/api/v1/devices/").status_code == 403
    assert trainer_client.post("/api/v1/devices/", {"name": "x"}, format="json").status_code == 403


def test_consent_is_recorded_read_and_withdrawn_deleting_the_templates(receptionist_client, gym):
    member = MemberFactory(gym=gym)
    url = f"/api/v1/members/{member.pk}/biometric-consent"
    assert receptionist_client.get(url).json() == {"consent": None, "fingers": []}
    response = receptionist_client.post(url, {"text_version": "v2"}, format="json")
    assert response.status_code == 201 and response.json()["consent"]["text_version"] == "v2"
    assert receptionist_client.post(url, {}, format="json").json()["code"] == "consent_exists"
    template_store(actor=Actor.system(), member=member, finger=1, template=TEMPLATE_1)
    template_store(actor=Actor.system(), member=member, finger=2, template=TEMPLATE_2)
    assert receptionist_client.get(url).json()["fingers"] == [1, 2]
    assert receptionist_client.delete(url).status_code == 204
    assert not FingerprintTemplate.objects.filter(member=member).exists()
    assert BiometricConsent.objects.get(member=member).withdrawn_at is not None
    assert receptionist_client.delete(url).json()["code"] == "consent_missing"
    actions = list(AuditEvent.objects.filter(target_id=str(member.pk)).values_list("action", flat=True))
    assert "biometric_consent.given" in actions and "biometric_consent.withdrawn" in actions


def test_consent_of_another_gyms_member_is_404(receptionist_client, other_gym):
    member = MemberFactory(gym=other_gym)
    assert receptionist_client.post(f"/api/v1/members/{member.pk}/biometric-consent", {}, format="json").status_code == 404


def test_templates_never_appear_in_rest_or_audit(admin_client, gym):
    member = consenting_member(gym)
    template_store(actor=Actor.system(), member=member, finger=1, template=TEMPLATE_1)
    body = admin_client.get(f"/api/v1/members/{member.pk}").content + admin_client.get("/api/v1/audit/").content
    assert b"minutiae" not in body


def test_templates_never_appear_in_the_admin_or_in_logs(admin_user, gym, caplog):
    """Neither the bytes a terminal sent nor their base64 nor the ciphertext show up in the
    owner's pages or in any log line, at any level, while templates are stored,
    downloaded, deleted and their keys rotated."""
    import base64
    import logging

    from devices.models import FingerprintTemplate
    from devices.services.templates import (
        templates_delete,
        templates_download,
        templates_rotate_keys,
    )
    from tests.admin_pages import signed_in

    from .conftest import new_terminal

    owner = signed_in(admin_user)

    caplog.set_level(logging.DEBUG)
    member = consenting_member(gym)
    door, _ = new_terminal(gym)
    template_store(actor=Actor.system(), member=member, finger=1, template=TEMPLATE_1)
    templates_download(actor=Actor.system(), device=door, since=None)
    templates_rotate_keys()
    ciphertext = bytes(FingerprintTemplate.objects.get(member=member).ciphertext)
    secrets_ = [TEMPLATE_1, base64.b64encode(TEMPLATE_1), ciphertext[:24], base64.b64encode(ciphertext)[:24]]

    answers = [
        owner.get(url)
        for url in [
            "/admin/",
            f"/admin/members/member/{member.pk}/change/",
            "/admin/devices/device/",
            f"/admin/devices/device/{door.pk}/change/",
            "/admin/devices/biometricconsent/",
            "/admin/devices/deviceevent/",
            "/admin/accounts/auditevent/",
        ]
    ]
    assert [answer.status_code for answer in answers] == [200] * len(answers)
    pages = b"".join(answer.content for answer in answers)
    assert member.full_name.encode() in pages
    # The templates themselves have no admin page at all.
    assert owner.get("/admin/devices/fingerprinttemplate/").status_code == 404
    templates_delete(actor=Actor.system(), member=member, reason="test")
    logged = "\n".join(record.getMessage() + repr(record.args) for record in caplog.records).encode()
    for secret in secrets_:
        assert secret not in pages
        assert secret not in logged
    assert b"minutiae" not in pages and b"minutiae" not in logged
