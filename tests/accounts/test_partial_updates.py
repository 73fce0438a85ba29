"""Update services take one `changes` dict checked against the model's editable fields
(gymsite.core.changes): users (by an admin), one's own profile, gyms."""

import pytest

from gymsite.accounts import services
from gymsite.accounts.audit import Actor
from gymsite.accounts.models import (
    GYM_EDITABLE_FIELDS,
    PROFILE_EDITABLE_FIELDS,
    USER_EDITABLE_FIELDS,
    AuditEvent,
    Gym,
    User,
)
from gymsite.core.errors import Invalid

pytestmark = pytest.mark.django_db


def test_the_editable_tuples():
    assert set(PROFILE_EDITABLE_FIELDS) < set(USER_EDITABLE_FIELDS)
    assert {"is_active", "password", "session_generation", "last_login"}.isdisjoint(USER_EDITABLE_FIELDS)
    assert {"role", "gym", "username"}.isdisjoint(PROFILE_EDITABLE_FIELDS)
    assert "id" not in GYM_EDITABLE_FIELDS and "created_at" not in GYM_EDITABLE_FIELDS


@pytest.mark.parametrize(
    ("call", "changes"),
    [
        ("user", {"is_active": False}),
        ("user", {"password": "x", "full_name": "Y"}),
        ("user", {"session_generation": 9}),
        ("profile", {"role": "admin"}),
        ("profile", {"gym": None}),
        ("profile", {"username": "boss", "full_name": "Boss"}),
        ("gym", {"created_at": None}),
        ("gym", {"id": 5, "name": "Renamed"}),
    ],
)
def test_a_key_outside_the_editable_fields_is_field_not_editable(admin_user, trainer, gym, call, changes):
    before_user = User.objects.values().get(pk=trainer.pk)
    before_gym = Gym.objects.values().get(pk=gym.pk)
    actor = Actor(user=admin_user)
    with pytest.raises(Invalid) as caught:
        if call == "user":
            services.user_update(actor=actor, user=trainer, changes=changes)
        elif call == "profile":
            services.profile_update(actor=Actor(user=trainer), user=trainer, changes=changes)
        else:
            services.gym_update(actor=actor, gym=gym, changes=changes)
    assert caught.value.code == "field_not_editable"
    allowed = {"user": USER_EDITABLE_FIELDS, "profile": PROFILE_EDITABLE_FIELDS, "gym": GYM_EDITABLE_FIELDS}[call]
    assert set(caught.value.errors) == set(changes) - set(allowed)
    assert User.objects.values().get(pk=trainer.pk) == before_user
    assert Gym.objects.values().get(pk=gym.pk) == before_gym
    assert not AuditEvent.objects.exists()


def test_user_update_changes_only_what_differs_and_audits_old_and_new(admin_user, trainer, other_gym):
    old_gym = trainer.gym_id
    user = services.user_update(
        actor=Actor(user=admin_user),
        user=trainer,
        changes={"full_name": trainer.full_name, "phone": "555-1", "gym": other_gym},
    )
    assert (user.phone, user.gym) == ("555-1", other_gym)
    event = AuditEvent.objects.get(action="user.changed")
    assert event.data == {"changed": ["gym", "phone"], "changes": {"gym": [old_gym, other_gym.pk], "phone": ["", "555-1"]}}
    # Nothing different: nothing written, nothing audited.
    services.user_update(actor=Actor(user=admin_user), user=user, changes={"phone": "555-1"})
    services.user_update(actor=Actor(user=admin_user), user=user, changes={})
    assert AuditEvent.objects.filter(action="user.changed").count() == 1


def test_promotion_to_admin_records_the_dropped_gym(admin_user, trainer, other_gym):
    old_gym = trainer.gym_id
    services.user_update(actor=Actor(user=admin_user), user=trainer, changes={"role": "admin", "gym": other_gym})
    trainer.refresh_from_db()
    assert (trainer.role, trainer.gym) == ("admin", None)
    event = AuditEvent.objects.get(action="user.changed")
    assert event.data["changes"] == {"role": ["trainer", "admin"], "gym": [old_gym, None]}


def test_gym_update_takes_changes(admin_user, gym):
    services.gym_update(actor=Actor(user=admin_user), gym=gym, changes={"expiry_reminder_days": 5, "name": "Main Gym"})
    gym.refresh_from_db()
    assert gym.expiry_reminder_days == 5
    event = AuditEvent.objects.get(action="gym.changed")
    assert event.data == {"changed": ["expiry_reminder_days"], "changes": {"expiry_reminder_days": [3, 5]}}


def test_profile_update_through_the_api_answers_as_before(trainer_client, trainer):
    response = trainer_client.patch("/api/v1/users/me", {"phone": "555-7"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["phone"] == "555-7" and body["username"] == "trainer" and body["role"] == "trainer"
    assert AuditEvent.objects.get(action="user.changed").data == {
        "changed": ["phone"],
        "changes": {"phone": ["", "555-7"]},
    }
