"""Deactivating a user ends every credential they hold, for good: API tokens, JWT access
and refresh tokens issued before stay dead after a reactivation."""

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from gymsite.accounts.models import APIToken, AuditEvent, User
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me"
REFRESH = "/api/v1/auth/refresh"
USERS = "/api/v1/users/"


def bearer(credentials: str, scheme: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {credentials}")
    return client


def sign_in(user) -> dict:
    response = APIClient().post(
        "/api/v1/auth/login", {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def credentials_of(user) -> dict:
    """A JWT session, a second refresh token (the one a rotation issues) and an API token."""
    session = sign_in(user)
    rotated = APIClient().post(REFRESH, {"refresh_token": sign_in(user)["refresh_token"]}, format="json").json()
    token = bearer(session["access_token"]).post("/api/v1/users/me/tokens", {"description": "script"}, format="json")
    assert token.status_code == 201
    return {"session": session, "rotated": rotated, "token": token.json()["token"]}


def assert_all_dead(creds) -> None:
    refused = bearer(creds["token"]).get(ME)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_token"
    for pair in (creds["session"], creds["rotated"]):
        response = bearer(pair["access_token"]).get(ME)
        assert response.status_code == 401
        assert response.json()["code"] == "session_ended", response.json()
        refreshed = APIClient().post(REFRESH, {"refresh_token": pair["refresh_token"]}, format="json")
        assert refreshed.status_code == 401
        assert refreshed.json() == {"detail": "The refresh token is invalid or expired.", "code": "token_not_valid"}


def test_reactivation_brings_back_no_old_credential(admin_client, admin_user, trainer):
    creds = credentials_of(trainer)
    assert bearer(creds["token"]).get(ME).status_code == 200

    assert admin_client.patch(f"{USERS}{trainer.pk}/deactivate").status_code == 200
    token = APIToken.objects.get(user=trainer)
    assert not token.is_active and token.revoked_at is not None
    live = OutstandingToken.objects.filter(user=trainer, blacklistedtoken__isnull=True)
    assert not live.exists()
    event = AuditEvent.objects.get(action="user.deactivated")
    assert event.actor_user == admin_user
    assert event.data["revoked_tokens"] == [token.pk]
    assert event.data["ended_refresh_tokens"] >= 1
    revoked = AuditEvent.objects.get(action="token.revoked")
    assert revoked.target_id == str(token.pk)
    assert revoked.data == {"user": trainer.pk, "reason": "user_deactivated"}
    assert revoked.gym_id == trainer.gym_id

    assert admin_client.patch(f"{USERS}{trainer.pk}/activate").status_code == 200
    assert_all_dead(creds)
    token.refresh_from_db()
    assert not token.is_active
    # A new sign-in works, and so does a token made from it.
    fresh = credentials_of(trainer)
    assert bearer(fresh["session"]["access_token"]).get(ME).status_code == 200
    assert bearer(fresh["token"]).get(ME).status_code == 200
    assert APIClient().post(REFRESH, {"refresh_token": fresh["rotated"]["refresh_token"]}, format="json").status_code == 200


def test_credentials_used_while_inactive_and_after_stay_dead(admin_client, trainer):
    creds = credentials_of(trainer)
    admin_client.patch(f"{USERS}{trainer.pk}/deactivate")
    inactive = bearer(creds["session"]["access_token"]).get(ME)
    assert inactive.status_code == 401 and inactive.json()["code"] == "user_inactive"
    assert bearer(creds["token"]).get(ME).status_code == 401
    admin_client.patch(f"{USERS}{trainer.pk}/activate")
    assert_all_dead(creds)


def test_activation_after_a_deactivation_elsewhere_ends_what_was_left(admin_client, trainer):
    """A user made inactive by another write (an import, an older version): activating
    them still brings back none of what they held."""
    creds = credentials_of(trainer)
    User.objects.filter(pk=trainer.pk).update(is_active=False)
    admin_client.patch(f"{USERS}{trainer.pk}/activate")
    assert_all_dead(creds)
    assert AuditEvent.objects.get(action="token.revoked").data["reason"] == "user_activated"


def test_deactivation_in_the_django_admin_ends_credentials_too(admin_user, trainer):
    creds = credentials_of(trainer)
    site = Client()
    site.force_login(admin_user)
    form = {
        "username": trainer.username,
        "email": trainer.email,
        "full_name": trainer.full_name,
        "role": trainer.role,
        "gym": trainer.gym_id,
        "document_id": "",
        "phone": "",
        # is_active unchecked
    }
    response = site.post(f"/admin/accounts/user/{trainer.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    trainer.refresh_from_db()
    assert not trainer.is_active
    assert not APIToken.objects.filter(user=trainer, is_active=True).exists()
    event = AuditEvent.objects.get(action="user.deactivated")
    assert event.actor_user == admin_user
    User.objects.filter(pk=trainer.pk).update(is_active=True)
    assert_all_dead(creds)


def test_a_password_change_keeps_the_session_generation(admin_client, trainer):
    """Only (de)activation ends API tokens: a password change ends JWT sessions only."""
    creds = credentials_of(trainer)
    admin_client.patch(f"{USERS}{trainer.pk}/password", {"new_password": "another-Sturdy-passphrase-4"}, format="json")
    assert bearer(creds["token"]).get(ME).status_code == 200
    assert bearer(creds["session"]["access_token"]).get(ME).json()["code"] == "password_changed"
