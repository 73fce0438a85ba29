"""A password change ends every JWT session issued before it (access and refresh)."""

import pytest
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-secret-42"


def login(user, password=DEFAULT_PASSWORD) -> dict:
    response = APIClient().post(
        "/api/v1/auth/login", {"username": user.username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_admin_password_reset_ends_the_users_sessions(admin_client, trainer):
    session = login(trainer)
    assert bearer(session["access_token"]).get("/api/v1/auth/me").status_code == 200

    response = admin_client.patch(
        f"/api/v1/users/{trainer.pk}/password", {"new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content

    me = bearer(session["access_token"]).get("/api/v1/auth/me")
    assert me.status_code == 401
    assert me.json()["code"] == "password_changed"
    refresh = APIClient().post(
        "/api/v1/auth/refresh", {"refresh_token": session["refresh_token"]}, format="json"
    )
    assert refresh.status_code == 401
    # The new password opens a new session.
    assert bearer(login(trainer, NEW_PASSWORD)["access_token"]).get("/api/v1/auth/me").status_code == 200


def test_own_password_change_answers_a_fresh_pair_and_ends_the_old_ones(receptionist):
    old = login(receptionist)
    other_device = login(receptionist)
    response = bearer(old["access_token"]).patch(
        "/api/v1/users/me/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message"]
    assert bearer(body["access_token"]).get("/api/v1/auth/me").status_code == 200
    assert APIClient().post(
        "/api/v1/auth/refresh", {"refresh_token": body["refresh_token"]}, format="json"
    ).status_code == 200
    for session in (old, other_device):
        assert bearer(session["access_token"]).get("/api/v1/auth/me").status_code == 401
        assert APIClient().post(
            "/api/v1/auth/refresh", {"refresh_token": session["refresh_token"]}, format="json"
        ).status_code == 401


def test_api_tokens_survive_a_password_change(trainer, admin_client):
    """Personal API tokens are credentials of their own, revoked one by one."""
    created = bearer(login(trainer)["access_token"]).post(
        "/api/v1/users/me/tokens", {"description": "integration"}, format="json"
    )
    assert created.status_code == 201
    admin_client.patch(f"/api/v1/users/{trainer.pk}/password", {"new_password": NEW_PASSWORD}, format="json")
    assert bearer(created.json()["token"]).get("/api/v1/auth/me").status_code == 200
