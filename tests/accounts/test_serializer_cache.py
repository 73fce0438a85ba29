"""The user shapes on every request's path build their fields once per class
(gymsite/core/serializer_cache.py) and still answer exactly as before."""

import pytest
from rest_framework.test import APIClient

from gymsite.accounts.serializers import LoginUserSerializer, UserCreateSerializer, UserSerializer
from gymsite.core.serializer_cache import CachedFieldsMixin
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

CACHED = [UserSerializer, UserCreateSerializer, LoginUserSerializer]


def field_reprs(fields) -> dict[str, str]:
    return {name: repr(field) for name, field in fields.items()}


@pytest.mark.parametrize("cls", CACHED, ids=lambda c: c.__name__)
def test_cached_fields_are_the_ones_drf_builds(cls):
    first, second = cls(), cls()
    assert field_reprs(first.fields) == field_reprs(super(CachedFieldsMixin, cls()).get_fields())
    assert field_reprs(second.fields) == field_reprs(first.fields)
    assert "_cached_fields" in cls.__dict__  # built for this class, not inherited
    # Each instance owns its fields: binding one (parent, context) leaves the others alone.
    assert first.fields["email"] is not second.fields["email"]
    assert first.fields["email"].parent is first and second.fields["email"].parent is second


def test_me_and_login_answer_the_whole_user_shape_on_every_request(trainer, admin_user):
    for user in [trainer, admin_user, trainer]:
        client = APIClient()
        body = client.post(
            "/api/v1/auth/login", {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
        ).json()
        user.refresh_from_db()
        created_at = body["user"]["created_at"]
        assert body["user"] == {
            "id": user.pk,
            "username": user.username,
            "email": user.email,
            "full_name": user.full_name,
            "role": user.role,
            "gym": user.gym_id,
            "is_active": True,
            "created_at": created_at,
        }
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
        me = client.get("/api/v1/auth/me").json()
        assert me == {
            **body["user"],
            "document_id": user.document_id,
            "phone": user.phone,
            "last_login": me["last_login"],
            "updated_at": me["updated_at"],
        }
        assert me["last_login"] is not None


def test_writes_through_the_cached_fields_still_validate_and_save(admin_client, other_gym):
    """The `gym` field's queryset survives the copy: a gym that exists is taken, one that
    does not is refused, one request after the other."""
    payload = {"username": "far", "email": "far@gym.com", "password": "another-Sturdy-passphrase-4",
               "full_name": "Far Away", "role": "trainer"}
    refused = admin_client.post("/api/v1/users/", {**payload, "gym": 999999}, format="json")
    assert refused.status_code == 400 and "gym" in refused.json()["errors"]
    created = admin_client.post("/api/v1/users/", {**payload, "gym": other_gym.pk}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["gym"] == other_gym.pk
    user_id = created.json()["id"]
    moved = admin_client.patch(f"/api/v1/users/{user_id}/", {"gym": None, "role": "admin"}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["gym"] is None
