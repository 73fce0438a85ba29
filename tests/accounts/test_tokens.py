"""Personal API tokens: shown once, usable as `Bearer gymsite_...`, last_used_at, revocation."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from gymsite.accounts.models import APIToken, AuditEvent, User, hash_token
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

MY_TOKENS = "/api/v1/users/me/tokens"
ME = "/api/v1/auth/me"


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def create_token(client, description="integration") -> dict:
    response = client.post(MY_TOKENS, {"description": description}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_token_is_shown_once_and_stored_as_a_hash(trainer_client, trainer):
    body = create_token(trainer_client, "Token para integración")
    raw = body["token"]
    assert raw.startswith("gymsite_") and len(raw) > 40
    assert body["description"] == "Token para integración"
    assert body["is_active"] is True and body["last_used_at"] is None
    token = APIToken.objects.get(pk=body["id"])
    assert token.user == trainer
    assert token.token_hash == hash_token(raw)
    assert raw not in {token.token_hash, token.prefix}
    assert raw.startswith(token.prefix)

    listed = trainer_client.get(MY_TOKENS).json()
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0] and "token_hash" not in listed[0]
    assert raw not in str(listed)

    event = AuditEvent.objects.get(action="token.created")
    assert event.actor_user == trainer and event.target_id == str(token.pk)
    assert raw not in str(event.data)


def test_token_needs_a_description(trainer_client):
    response = trainer_client.post(MY_TOKENS, {}, format="json")
    assert response.status_code == 400
    assert "description" in response.json()["errors"]
    assert not APIToken.objects.exists()


def test_token_acts_as_its_owner_and_records_last_use_once_a_minute(trainer_client, trainer):
    raw = create_token(trainer_client)["token"]
    token = APIToken.objects.get()
    start = dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        response = bearer(raw).get(ME)
        assert response.status_code == 200
        assert response.json()["id"] == trainer.pk
        token.refresh_from_db()
        assert token.last_used_at == start

        clock.shift(dt.timedelta(seconds=30))
        assert bearer(raw).get(ME).status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == start  # not written again within the minute

        clock.shift(dt.timedelta(seconds=31))
        assert bearer(raw).get(ME).status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == start + dt.timedelta(seconds=61)


def test_token_use_within_the_minute_writes_nothing(trainer_client, django_assert_num_queries):
    raw = create_token(trainer_client)["token"]
    client = bearer(raw)
    client.get(ME)
    with django_assert_num_queries(1):  # the token lookup (with its user and gym), no UPDATE
        assert client.get(ME).status_code == 200


def test_writes_through_a_token_are_audited_as_the_token(trainer_client, trainer):
    raw = create_token(trainer_client)["token"]
    token = APIToken.objects.get()
    bearer(raw).patch("/api/v1/users/me", {"full_name": "Via Token"}, format="json")
    event = AuditEvent.objects.get(action="user.changed")
    assert event.actor_type == "token"
    assert event.actor_token == token and event.actor_user == trainer


def test_revoked_token_is_401(trainer_client, trainer):
    body = create_token(trainer_client)
    response = trainer_client.delete(f"{MY_TOKENS}/{body['id']}")
    assert response.status_code == 200
    assert response.json() == {"message": "Token revoked.", "token_id": body["id"]}
    token = APIToken.objects.get()
    assert not token.is_active and token.revoked_at is not None
    refused = bearer(body["token"]).get(ME)
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_token"
    assert AuditEvent.objects.filter(action="token.revoked", target_id=str(token.pk)).count() == 1
    # Revoking again is harmless and not audited twice.
    assert trainer_client.delete(f"{MY_TOKENS}/{body['id']}").status_code == 200
    assert AuditEvent.objects.filter(action="token.revoked").count() == 1


def test_unknown_token_value_is_401(trainer):
    response = bearer("gymsite_not-a-real-token").get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_one_cannot_revoke_anothers_token_through_me(trainer_client, receptionist_client):
    body = create_token(receptionist_client)
    response = trainer_client.delete(f"{MY_TOKENS}/{body['id']}")
    assert response.status_code == 404
    assert APIToken.objects.get().is_active
    assert trainer_client.get(MY_TOKENS).json() == []


def test_deactivated_users_api_token_stops_working_at_once(trainer_client, trainer):
    raw = create_token(trainer_client)["token"]
    assert bearer(raw).get(ME).status_code == 200
    User.objects.filter(pk=trainer.pk).update(is_active=False)
    assert bearer(raw).get(ME).status_code == 401


def test_admin_lists_and_revokes_anyones_tokens(admin_client, admin_user, trainer):
    trainer_client = client_for(trainer)
    first = create_token(trainer_client, "one")
    second = create_token(trainer_client, "two")
    listed = admin_client.get(f"/api/v1/users/{trainer.pk}/tokens")
    assert listed.status_code == 200
    assert {t["id"] for t in listed.json()} == {first["id"], second["id"]}
    assert "token" not in listed.json()[0]

    response = admin_client.delete(f"/api/v1/users/{trainer.pk}/tokens/{first['id']}")
    assert response.status_code == 200
    assert response.json()["token_id"] == first["id"]
    assert bearer(first["token"]).get(ME).status_code == 401
    assert bearer(second["token"]).get(ME).status_code == 200
    event = AuditEvent.objects.get(action="token.revoked")
    assert event.actor_user == admin_user
    assert event.gym_id == trainer.gym_id

    # A token id of another user under this user's URL is not found.
    other = create_token(admin_client, "admin's")
    assert admin_client.delete(f"/api/v1/users/{trainer.pk}/tokens/{other['id']}").status_code == 404
    assert admin_client.delete(f"/api/v1/users/{trainer.pk}/tokens/99999").status_code == 404
    assert admin_client.get("/api/v1/users/99999/tokens").status_code == 404


# --- an API token cannot make API tokens ----------------------------------------------


def assert_password_login_required(response) -> None:
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Sign in with your password to create or list API tokens.",
        "code": "password_login_required",
    }


def test_an_api_token_cannot_create_or_list_tokens(trainer_client, trainer):
    raw = create_token(trainer_client)["token"]
    script = bearer(raw)
    assert_password_login_required(script.post(MY_TOKENS, {"description": "successor"}, format="json"))
    assert_password_login_required(script.get(MY_TOKENS))
    assert APIToken.objects.count() == 1
    assert AuditEvent.objects.filter(action="token.created").count() == 1
    # It still acts as its owner elsewhere, and may revoke (itself, here).
    assert script.get(ME).status_code == 200
    token = APIToken.objects.get()
    assert script.delete(f"{MY_TOKENS}/{token.pk}").status_code == 200
    assert script.get(ME).status_code == 401


def test_an_admins_api_token_cannot_list_anyones_tokens(admin_client, trainer):
    create_token(client_for(trainer))
    raw = create_token(admin_client)["token"]
    assert_password_login_required(bearer(raw).get(f"/api/v1/users/{trainer.pk}/tokens"))
    assert admin_client.get(f"/api/v1/users/{trainer.pk}/tokens").status_code == 200


def test_a_jwt_session_creates_tokens(trainer):
    login = APIClient().post(
        "/api/v1/auth/login", {"username": "trainer", "password": DEFAULT_PASSWORD}, format="json"
    ).json()
    session = bearer(login["access_token"])
    assert session.post(MY_TOKENS, {"description": "from a password login"}, format="json").status_code == 201
    assert len(session.get(MY_TOKENS).json()) == 1


# --- the scheme is case-insensitive (RFC 7235) ---------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_any_case_of_the_bearer_scheme_works(trainer_client, trainer, scheme):
    raw = create_token(trainer_client)["token"]
    login = APIClient().post(
        "/api/v1/auth/login", {"username": "trainer", "password": DEFAULT_PASSWORD}, format="json"
    ).json()
    for credentials in (raw, login["access_token"]):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {credentials}")
        response = client.get(ME)
        assert response.status_code == 200, (scheme, response.content)
        assert response.json()["id"] == trainer.pk


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Basic dHJhaW5lcjp4", "not_authenticated"),
        ("bearer", "bad_authorization_header"),
        ("bearer one two", "bad_authorization_header"),
        ("bearer gymsite_not-a-real-token", "invalid_token"),
        ("bearer not-a-jwt", "token_not_valid"),
    ],
)
def test_bad_authorization_headers_are_401(trainer, header, code):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == code and body["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
