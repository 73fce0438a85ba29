"""Gyms: every staff user reads the gyms they may see; the admin manages them."""

import pytest

from gymsite.accounts.models import AuditEvent, Gym
from gymsite.accounts.roles import Role
from tests.conftest import client_for
from tests.factories import GymFactory, MemberFactory, UserFactory
from tests.scoping import assert_list_excludes, assert_other_gym_404

pytestmark = pytest.mark.django_db

GYMS = "/api/v1/gyms/"
NON_ADMIN = [Role.TRAINER, Role.RECEPTIONIST, Role.MECHANIC]


def test_admin_lists_every_gym(admin_client, gym, other_gym):
    GymFactory(name="Closed Gym", is_active=False)
    body = admin_client.get(GYMS).json()
    assert body["count"] == 3
    active = admin_client.get(f"{GYMS}active").json()
    assert {g["name"] for g in active["results"]} == {"Main Gym", "Other Gym"}
    assert admin_client.get(GYMS, {"is_active": "false"}).json()["count"] == 1
    assert admin_client.get(GYMS, {"search": "other"}).json()["results"][0]["name"] == "Other Gym"


def test_gym_shape(admin_client, gym):
    body = admin_client.get(f"{GYMS}{gym.pk}").json()
    assert body == {
        "id": gym.pk,
        "name": "Main Gym",
        "address": gym.address,
        "time_zone": "America/Mexico_City",
        "currency": "MXN",
        "is_active": True,
        "expiry_reminder_days": 3,
        "default_stay_minutes": 120,
        "language": "",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }


@pytest.mark.parametrize("role", NON_ADMIN)
def test_non_admin_sees_only_their_own_gym(staff, gym, other_gym, role):
    client = client_for(staff[role])
    results = assert_list_excludes(client, GYMS, [other_gym.pk])
    assert [g["id"] for g in results] == [gym.pk]
    assert [g["id"] for g in assert_list_excludes(client, f"{GYMS}active", [other_gym.pk])] == [gym.pk]
    assert client.get(f"{GYMS}{gym.pk}").status_code == 200
    # Another gym is not found, whatever the method.
    response = client.get(f"{GYMS}{other_gym.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("role", NON_ADMIN)
def test_non_admin_cannot_manage_gyms(staff, gym, role):
    client = client_for(staff[role])
    calls = [
        ("post", GYMS, {"name": "New"}),
        ("put", f"{GYMS}{gym.pk}", {"name": "Renamed"}),
        ("patch", f"{GYMS}{gym.pk}", {"name": "Renamed"}),
        ("delete", f"{GYMS}{gym.pk}", None),
    ]
    for method, url, data in calls:
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 403, (method, url)
    gym.refresh_from_db()
    assert gym.name == "Main Gym"
    assert Gym.objects.count() == 1


def test_admin_creates_a_gym(admin_client, admin_user):
    response = admin_client.post(
        GYMS,
        {"name": "Downtown Gym", "address": "5 High St", "time_zone": "Europe/Madrid", "currency": "EUR"},
        format="json",
    )
    assert response.status_code == 201, response.content
    gym = Gym.objects.get(name="Downtown Gym")
    assert (gym.time_zone, gym.currency, gym.is_active) == ("Europe/Madrid", "EUR", True)
    event = AuditEvent.objects.get(action="gym.created")
    assert event.actor_user == admin_user and event.gym == gym


def test_gym_defaults(admin_client):
    response = admin_client.post(GYMS, {"name": "Plain"}, format="json")
    assert response.status_code == 201
    assert response.json()["time_zone"] == "America/Mexico_City"
    assert response.json()["currency"] == "MXN"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"name": "X", "currency": "pesos"}, "currency"),
        ({"name": "X", "currency": "mxn"}, "currency"),
        ({"name": ""}, "name"),
        ({"name": "X", "expiry_reminder_days": -1}, "expiry_reminder_days"),
        ({"name": "X", "is_active": "sometimes"}, "is_active"),
    ],
)
def test_gym_validation(admin_client, payload, field):
    response = admin_client.post(GYMS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Gym.objects.exists()


def test_gym_names_are_unique_ignoring_case(admin_client, gym, other_gym):
    response = admin_client.post(GYMS, {"name": "main gym"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "gym_exists"
    response = admin_client.patch(f"{GYMS}{other_gym.pk}", {"name": "MAIN GYM"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "gym_exists"
    # Renaming a gym to its own name (or its own name in another case) is fine.
    assert admin_client.patch(f"{GYMS}{gym.pk}", {"name": "Main GYM"}, format="json").status_code == 200


def test_admin_updates_a_gym_and_it_is_audited(admin_client, gym):
    response = admin_client.put(
        f"{GYMS}{gym.pk}",
        {"name": "Main Gym", "address": "New address", "time_zone": "UTC", "currency": "USD"},
        format="json",
    )
    assert response.status_code == 200, response.content
    gym.refresh_from_db()
    assert (gym.address, gym.time_zone, gym.currency) == ("New address", "UTC", "USD")
    event = AuditEvent.objects.get(action="gym.changed")
    assert event.data == {
        "changed": ["address", "currency", "time_zone"],
        "changes": {
            "address": ["1 Test Street", "New address"],
            "currency": ["MXN", "USD"],
            "time_zone": ["America/Mexico_City", "UTC"],
        },
    }
    # Deactivating is an update too.
    admin_client.patch(f"{GYMS}{gym.pk}", {"is_active": False}, format="json")
    gym.refresh_from_db()
    assert not gym.is_active
    assert AuditEvent.objects.filter(action="gym.changed").count() == 2
    # A PATCH that changes nothing writes no audit event.
    admin_client.patch(f"{GYMS}{gym.pk}", {"is_active": False}, format="json")
    assert AuditEvent.objects.filter(action="gym.changed").count() == 2


def test_admin_deletes_an_empty_gym(admin_client):
    empty = GymFactory(name="Empty")
    response = admin_client.delete(f"{GYMS}{empty.pk}")
    assert response.status_code == 204
    assert not Gym.objects.filter(pk=empty.pk).exists()
    event = AuditEvent.objects.get(action="gym.deleted")
    assert event.data == {"gym": empty.pk, "name": "Empty"}
    assert admin_client.delete(f"{GYMS}{empty.pk}").status_code == 404


def test_gym_with_staff_is_not_deleted(admin_client, trainer, gym):
    response = admin_client.delete(f"{GYMS}{gym.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "gym_has_data"
    assert Gym.objects.filter(pk=gym.pk).exists()


def test_gym_with_members_is_not_deleted(admin_client, gym):
    MemberFactory(gym=gym)
    response = admin_client.delete(f"{GYMS}{gym.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "gym_has_data"


def test_audit_events_do_not_keep_a_gym_alive(admin_client):
    empty = GymFactory(name="Empty")
    admin_client.patch(f"{GYMS}{empty.pk}", {"address": "x"}, format="json")
    assert AuditEvent.objects.filter(gym=empty).exists()
    assert admin_client.delete(f"{GYMS}{empty.pk}").status_code == 204


def test_inactive_gym_staff_still_see_it(gym):
    gym.is_active = False
    gym.save()
    user = UserFactory(role=Role.RECEPTIONIST, gym=gym)
    client = client_for(user)
    assert client.get(GYMS).json()["count"] == 1
    assert client.get(f"{GYMS}active").json()["count"] == 0


def test_other_gym_404_helper_on_gyms(trainer_client, other_gym):
    # The shared helper: another gym's row answers 404 to reads (writes are 403 first).
    assert_other_gym_404(trainer_client, f"{GYMS}{other_gym.pk}", methods=("get",))


def test_gym_language_is_validated_and_audited(admin_client, gym):
    response = admin_client.patch(f"{GYMS}{gym.pk}", {"language": "fr"}, format="json")
    assert response.status_code == 400
    assert "language" in response.json()["errors"]
    gym.refresh_from_db()
    assert gym.language == ""
    response = admin_client.patch(f"{GYMS}{gym.pk}", {"language": "es"}, format="json")
    assert response.status_code == 200, response.content
    gym.refresh_from_db()
    assert gym.language == "es" and gym.member_language == "es"
    assert AuditEvent.objects.filter(action="gym.changed", target_id=str(gym.pk), data__changed=["language"]).exists()
