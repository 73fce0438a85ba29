"""The audit log: written by services, readable by the admin at /api/v1/audit/."""

import datetime as dt

import pytest
import time_machine

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.models import AuditEvent
from gymsite.accounts.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

AUDIT = "/api/v1/audit/"


@pytest.fixture
def events(admin_user, trainer, gym, other_gym):
    with time_machine.travel(dt.datetime(2030, 1, 10, 12, tzinfo=dt.UTC), tick=False):
        audit_record(actor=Actor(user=admin_user), action="gym.changed", target=gym, gym=gym)
    with time_machine.travel(dt.datetime(2030, 1, 20, 12, tzinfo=dt.UTC), tick=False):
        audit_record(actor=Actor(user=trainer), action="user.changed", target=trainer)
        audit_record(actor=Actor.system(), action="gym.changed", target=other_gym, gym=other_gym)
    return AuditEvent.objects.order_by("id")


def test_audit_is_admin_only(staff, events):
    for role in [Role.TRAINER, Role.RECEPTIONIST, Role.MECHANIC]:
        client = client_for(staff[role])
        assert client.get(AUDIT).status_code == 403
        assert client.get(f"{AUDIT}{events[0].pk}").status_code == 403


def test_audit_list_newest_first_with_shape(admin_client, events, admin_user, gym):
    body = admin_client.get(AUDIT).json()
    assert body["count"] == 3
    first = body["results"][-1]
    assert first == {
        "id": events[0].pk,
        "at": "2030-01-10T12:00:00Z",
        "actor_type": "user",
        "actor_user": admin_user.pk,
        "actor_token": None,
        "actor_label": "admin",
        "gym": gym.pk,
        "action": "gym.changed",
        "target_type": "accounts.gym",
        "target_id": str(gym.pk),
        "data": {},
        "ip": None,
    }
    assert body["results"][0]["actor_type"] == "system"
    assert admin_client.get(f"{AUDIT}{events[0].pk}").json()["id"] == events[0].pk


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "gym.changed"}, [0, 2]),
        ({"action_prefix": "user."}, [1]),
        ({"date_from": "2030-01-15T00:00:00Z"}, [1, 2]),
        ({"date_to": "2030-01-15T00:00:00Z"}, [0]),
        ({"date_from": "2030-01-01T00:00:00Z", "date_to": "2030-01-31T00:00:00Z", "action": "user.changed"}, [1]),
    ],
)
def test_audit_filters(admin_client, events, params, expected):
    results = admin_client.get(AUDIT, params).json()["results"]
    assert sorted(r["id"] for r in results) == [events[i].pk for i in expected]


def test_audit_filter_by_actor_and_gym(admin_client, events, trainer, gym, other_gym):
    by_actor = admin_client.get(AUDIT, {"actor": trainer.pk}).json()["results"]
    assert [r["id"] for r in by_actor] == [events[1].pk]
    by_gym = admin_client.get(AUDIT, {"gym": other_gym.pk}).json()["results"]
    assert [r["id"] for r in by_gym] == [events[2].pk]
    # The trainer's own change is filed under the trainer's gym.
    assert {r["id"] for r in admin_client.get(AUDIT, {"gym": gym.pk}).json()["results"]} == {
        events[0].pk, events[1].pk,
    }


def test_audit_bad_filters_are_400(admin_client, events):
    for params in [{"date_from": "yesterday"}, {"actor": "x"}, {"gym": "x"}]:
        response = admin_client.get(AUDIT, params)
        assert response.status_code == 400, params


def test_audit_is_read_only(admin_client, events):
    assert admin_client.post(AUDIT, {"action": "x"}, format="json").status_code in {403, 405}
    assert admin_client.delete(f"{AUDIT}{events[0].pk}").status_code in {403, 405}
    assert AuditEvent.objects.count() == 3


def test_audit_list_query_count_is_fixed(admin_client, admin_user, django_assert_max_num_queries):
    for n in range(40):
        audit_record(actor=Actor(user=admin_user), action=f"test.{n}")
    with django_assert_max_num_queries(2):
        assert admin_client.get(AUDIT, {"limit": 500}).json()["count"] == 40


def test_audit_record_is_rolled_back_with_its_change(admin_user):
    """Written in the service's transaction: a failing service leaves no audit trace."""
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=Actor(user=admin_user), action="test.rolled_back")
        raise RuntimeError
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
