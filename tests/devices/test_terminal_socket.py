"""/ws/gym/{gym_id}: authentication, malformed input, enrollment and template downloads,
over channels.testing.WebsocketCommunicator and the in-memory layer."""

import json

import pytest
from django.core.cache import cache

from devices.models import Device, FingerprintTemplate
from devices.services.terminals import device_revoke
from gymsite.accounts.audit import Actor
from gymsite.accounts.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import (
    TEMPLATE_1,
    TEMPLATE_2,
    Socket,
    active_member,
    b64,
    consenting_member,
    desk_socket,
    jwt_for,
    new_terminal,
    run,
    terminal_socket,
)

pytestmark = pytest.mark.django_db(transaction=True)


# --- authentication -------------------------------------------------------------------


def test_a_device_token_connects_in_the_query_or_the_authorization_header(gym2):
    device, token = new_terminal(gym2)

    async def scenario():
        socket = await terminal_socket(gym2.pk, token)
        await socket.close()
        socket = await Socket(f"/ws/gym/{gym2.pk}", headers=[(b"authorization", f"Bearer {token}".encode())]).open()
        assert (await socket.recv())["type"] == "connected"
        await socket.close()

    run(scenario)
    device.refresh_from_db()
    assert device.last_seen_at is not None


def test_a_bad_revoked_or_foreign_token_is_refused(gym2, other_gym2):
    revoked, revoked_token = new_terminal(gym2, "Old door")
    device_revoke(actor=Actor.system(), device=revoked)
    _, foreign_token = new_terminal(other_gym2)

    async def scenario():
        for token, code in [("gymdev_nonsense", 4401), (revoked_token, 4401), (foreign_token, 4403)]:
            socket = await Socket(f"/ws/gym/{gym2.pk}?token={token}").open()
            assert await socket.closed_with() == code

    run(scenario)


def test_seed_login_admin_or_trainer_of_the_gym(gym2):
    UserFactory(username="coach", email="coach@gym.com", role="trainer", gym=gym2)

    async def scenario():
        socket = await Socket(f"/ws/gym/{gym2.pk}").open()
        reply = await socket.ask({"type": "login", "login_data": {"email": "coach@gym.com", "password": DEFAULT_PASSWORD}})
        assert reply["type"] == "connected"
        await socket.close()

    run(scenario)
    assert Device.objects.filter(gym=gym2, serial__startswith="login:").count() == 1


def test_wrong_password_is_the_seed_error_and_the_socket_stays(gym2):
    UserFactory(username="coach", email="coach@gym.com", role="trainer", gym=gym2)

    async def scenario():
        socket = await Socket(f"/ws/gym/{gym2.pk}", headers=[(b"accept-language", b"en")]).open()
        reply = await socket.ask({"type": "login", "login_data": {"email": "coach@gym.com", "password": "nope"}})
        assert reply == {"type": "error", "error": "Incorrect email or password", "code": "invalid_credentials"}
        reply = await socket.ask({"type": "login", "login_data": {"email": "coach@gym.com", "password": DEFAULT_PASSWORD}})
        assert reply["type"] == "connected"
        await socket.close()

    run(scenario)


def test_wrong_password_in_spanish_is_the_seed_text(gym2):
    async def scenario():
        socket = await Socket(f"/ws/gym/{gym2.pk}", headers=[(b"accept-language", b"es")]).open()
        reply = await socket.ask({"type": "login", "login_data": {"email": "x@gym.com", "password": "nope"}})
        assert reply["error"] == "Correo electrónico o contraseña incorrectos"

    run(scenario)


def test_failed_logins_are_throttled_like_rest_logins(gym2, settings):
    UserFactory(username="coach", email="coach@gym.com", role="trainer", gym=gym2)
    cache.clear()

    async def scenario():
        socket = await Socket(f"/ws/gym/{gym2.pk}").open()
        bad = {"type": "login", "login_data": {"email": "coach@gym.com", "password": "nope"}}
        for _ in range(settings.LOGIN_FAILURES_PER_IDENTIFIER):
            assert (await socket.ask(bad))["code"] == "invalid_credentials"
        reply = await socket.ask({"type": "login", "login_data": {"email": "coach@gym.com", "password": DEFAULT_PASSWORD}})
        assert reply["code"] == "throttled" and reply["retry_after"] > 0
        await socket.close()

    run(scenario)


@pytest.mark.parametrize("role", ["trainer", "receptionist"])
def test_a_login_not_allowed_here_is_an_error_then_close_4403(gym2, other_gym2, role):
    gym = other_gym2 if role == "trainer" else gym2
    UserFactory(username="someone", email="someone@gym.com", role=role, gym=gym)

    async def scenario():
        socket = await Socket(f"/ws/gym/{gym2.pk}").open()
        reply = await socket.ask({"type": "login", "login_data": {"email": "someone@gym.com", "password": DEFAULT_PASSWORD}})
        assert reply["type"] == "error" and reply["code"] == "permission_denied"
        assert await socket.closed_with() == 4403

    run(scenario)


def test_before_login_every_other_message_is_an_error_and_does_nothing(gym2):
    member = consenting_member(gym2)

    async def scenario():
        socket = await Socket(f"/ws/gym/{gym2.pk}").open()
        for frame in [
            {"type": "user", "user_id": str(member.pk)},
            {"type": "download_templates"},
            {"type": "user_found", "user_id": member.pk},
            {"type": "store_fingerprint", "fingerprint_data": b64(TEMPLATE_1), "finger": 1},
        ]:
            reply = await socket.ask(frame)
            assert reply["type"] == "error" and reply["code"] == "not_authenticated", reply
        await socket.close()

    run(scenario)
    assert not member.attendances.exists()
    assert not FingerprintTemplate.objects.exists()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "parse_error"),
        ("[1, 2]", "invalid_message"),
        ('"text"', "invalid_message"),
        ("{}", "missing_fields"),
        ('{"type": 5}', "missing_fields"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "user"}', "missing_fields"),
        ('{"type": "user_found"}', "missing_fields"),
        ('{"type": "download_templates", "since": "yesterday"}', "missing_fields"),
        ('{"type": "user_found", "user_id": 1, "device_time": "soon"}', "missing_fields"),
        ("[" * 5000, "parse_error"),
        (json.dumps({"type": "user", "padding": "x" * (64 * 1024)}), "frame_too_large"),
    ],
)
def test_malformed_input_is_an_error_and_the_socket_stays_open(gym2, frame, code):
    _, token = new_terminal(gym2)

    async def scenario():
        socket = await terminal_socket(gym2.pk, token)
        reply = await socket.ask(frame)
        assert reply["type"] == "error" and reply["code"] == code, reply
        reply = await socket.ask({"type": "download_templates"})
        assert reply["type"] == "template_data_set"
        await socket.close()

    run(scenario)


# --- enrollment -----------------------------------------------------------------------


def test_user_starts_an_enrollment_for_a_consenting_member_of_the_gym(gym2, other_gym2):
    _, token = new_terminal(gym2)
    member = consenting_member(gym2, first_name="John", last_name="Doe", email="john@example.com")
    no_consent = active_member(gym2)
    foreign = consenting_member(other_gym2)

    async def scenario():
        socket = await terminal_socket(gym2.pk, token)
        assert await socket.ask({"type": "user", "user_id": str(member.pk)}) == {
            "type": "start_enrollment",
            "user_id": str(member.pk),
            "full_name": "John Doe",
            "email": "john@example.com",
        }
        assert (await socket.ask({"type": "user", "user_id": no_consent.pk}))["code"] == "consent_required"
        assert (await socket.ask({"type": "user", "user_id": foreign.pk}))["code"] == "member_not_found"
        assert (await socket.ask({"type": "user", "user_id": 99999999}))["code"] == "member_not_found"
        await socket.close()

    run(scenario)


def test_a_whole_enrollment_reaches_the_terminal_and_the_front_desk(gym2, front_desk):
    device, token = new_terminal(gym2)
    member = consenting_member(gym2)
    jwt = jwt_for(front_desk)

    async def scenario():
        desk = await desk_socket(member.pk, jwt)
        terminal = await terminal_socket(gym2.pk, token)
        reply = await desk.ask({"type": "fingerprint_connected", "gym_id": str(gym2.pk)})
        assert reply == {"type": "fingerprint_connection_stablished", "gym_id": str(gym2.pk)}
        start = await terminal.recv()
        assert start["type"] == "start_enrollment" and start["user_id"] == str(member.pk)

        await terminal.send({"type": "finger1_captured", "quality": 80})
        assert await desk.recv() == {"type": "finger1_captured", "quality": 80, "user_id": str(member.pk)}

        stored = await terminal.ask({"type": "store_fingerprint", "fingerprint_data": b64(TEMPLATE_1), "finger": 1})
        assert stored == {
            "type": "fingerprint_stored",
            "message": "Fingerprint stored successfully",
            "user_id": str(member.pk),
            "finger": 1,
        }
        assert (await terminal.recv())["type"] == "templates_changed"
        assert (await desk.recv())["type"] == "fingerprint_stored"

        await terminal.send({"type": "store_fingerprint", "fingerprint_data": b64(TEMPLATE_2), "finger": 2})
        frames = [await terminal.recv() for _ in range(3)]
        assert {f["type"] for f in frames} == {"fingerprint_stored", "enrollment_completed", "templates_changed"}
        assert (await desk.recv())["type"] == "fingerprint_stored"
        assert await desk.recv() == {"type": "enrollment_completed", "user_id": str(member.pk)}
        await terminal.close()
        await desk.close()

    run(scenario)
    rows = {row.finger: row for row in FingerprintTemplate.objects.filter(member=member)}
    assert set(rows) == {1, 2}
    assert TEMPLATE_1 not in bytes(rows[1].ciphertext) and TEMPLATE_2 not in bytes(rows[2].ciphertext)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "store_fingerprint", "finger": 1}, "fingerprint_missing"),
        ({"type": "store_fingerprint", "fingerprint_data": "", "finger": 1}, "fingerprint_missing"),
        ({"type": "store_fingerprint", "fingerprint_data": "not base64!!", "finger": 1}, "invalid_base64"),
        ({"type": "store_fingerprint", "fingerprint_data": b64(TEMPLATE_1), "finger": 3}, "invalid_finger"),
        ({"type": "store_fingerprint", "fingerprint_data": b64(TEMPLATE_1), "finger": "1"}, "invalid_finger"),
        ({"type": "store_fingerprint", "fingerprint_data": b64(b"x" * 8193), "finger": 1}, "template_too_large"),
    ],
)
def test_store_errors_store_nothing(gym2, frame, code):
    _, token = new_terminal(gym2)
    member = consenting_member(gym2)

    async def scenario():
        socket = await terminal_socket(gym2.pk, token)
        await socket.ask({"type": "user", "user_id": member.pk})
        reply = await socket.ask(frame)
        assert reply["type"] == "store_error" and reply["code"] == code, reply
        await socket.close()

    run(scenario)
    assert not FingerprintTemplate.objects.exists()


def test_missing_data_is_the_seed_text_and_no_enrollment_is_a_store_error(gym2):
    _, token = new_terminal(gym2)

    async def scenario():
        socket = await terminal_socket(gym2.pk, token)
        reply = await socket.ask({"type": "store_fingerprint"})
        assert reply == {"type": "store_error", "error": "Fingerprint data missing", "code": "fingerprint_missing"}
        reply = await socket.ask({"type": "store_fingerprint", "fingerprint_data": b64(TEMPLATE_1), "finger": 1})
        assert reply["type"] == "store_error" and reply["code"] == "no_enrollment"
        await socket.close()

    run(scenario)
    assert not FingerprintTemplate.objects.exists()


def test_consent_withdrawn_during_an_enrollment_stores_nothing(gym2):
    from devices.services.consent import consent_withdraw

    _, token = new_terminal(gym2)
    member = consenting_member(gym2)

    async def scenario():
        socket = await terminal_socket(gym2.pk, token)
        await socket.ask({"type": "user", "user_id": member.pk})
        from channels.db import database_sync_to_async

        await database_sync_to_async(consent_withdraw)(actor=Actor.system(), member=member)
        reply = await socket.ask({"type": "store_fingerprint", "fingerprint_data": b64(TEMPLATE_1), "finger": 1})
        assert reply["type"] == "store_error" and reply["code"] == "consent_required"
        await socket.close()

    run(scenario)
    assert not FingerprintTemplate.objects.exists()


# --- downloads ------------------------------------------------------------------------


def test_download_templates_sends_the_gyms_templates_as_sent_and_audits(gym2, other_gym2):
    from devices.services.templates import template_store

    device, token = new_terminal(gym2)
    member = consenting_member(gym2, first_name="Ana", last_name="Luz")
    template_store(actor=Actor.system(), member=member, finger=1, template=TEMPLATE_1)
    template_store(actor=Actor.system(), member=member, finger=2, template=TEMPLATE_2)
    foreign = consenting_member(other_gym2)
    template_store(actor=Actor.system(), member=foreign, finger=1, template=TEMPLATE_1)

    async def scenario():
        socket = await terminal_socket(gym2.pk, token)
        reply = await socket.ask({"type": "download_templates"})
        await socket.close()
        return reply

    reply = run(scenario)
    assert reply["type"] == "template_data_set"
    assert reply["data"] == [
        {"id": str(member.pk), "full_name": "Ana Luz", "fingerprint1": b64(TEMPLATE_1), "fingerprint2": b64(TEMPLATE_2)}
    ]
    assert reply["deleted"] == [] and reply["cursor"] == 2
    event = AuditEvent.objects.get(action="fingerprint.templates_downloaded")
    assert event.data["device_id"] == device.pk and event.data["count"] == 1
    assert "fingerprint" not in json.dumps(event.data).replace("fingerprint.", "")


def test_a_large_template_set_comes_in_parts_under_daphnes_message_limit(gym2, monkeypatch):
    from devices.consumers import protocol
    from devices.services.templates import template_store

    monkeypatch.setattr(protocol, "MAX_SET_FRAME_BYTES", 1000)
    _, token = new_terminal(gym2)
    members = [consenting_member(gym2) for _ in range(4)]
    for member in members:
        template_store(actor=Actor.system(), member=member, finger=1, template=TEMPLATE_1)

    async def scenario():
        socket = await terminal_socket(gym2.pk, token)
        await socket.send({"type": "download_templates"})
        frames = [await socket.recv()]
        while frames[-1]["part"] < frames[-1]["parts"]:
            frames.append(await socket.recv())
        await socket.close()
        return frames

    frames = run(scenario)
    assert len(frames) > 1 and [f["part"] for f in frames] == list(range(1, len(frames) + 1))
    assert sorted(int(item["id"]) for f in frames for item in f["data"]) == sorted(m.pk for m in members)
    assert all(len(json.dumps(f)) < 1200 for f in frames)


def test_a_frame_named_after_an_internal_hook_is_an_unknown_type(gym2):
    """Only the protocol's message types dispatch: a client cannot reach the consumers'
    internal hooks by naming them (`{"type": "push"}` once was silently swallowed)."""

    _, token = new_terminal(gym2)

    async def scenario():
        socket = await terminal_socket(gym2.pk, token)
        for kind in ("push", "before_push", "send_frame"):
            reply = await socket.ask({"type": kind})
            assert reply["type"] == "error" and reply["code"] == "unknown_type", reply
        await socket.close()

    run(scenario)
