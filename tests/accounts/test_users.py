"""Staff administration (admin only) and every user's own profile under /users/me."""

import pytest
from rest_framework.test import APIClient

from gymsite.accounts.models import AuditEvent, User
from gymsite.accounts.roles import Role
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users/"
STRONG = "another-Sturdy-passphrase-4"


def new_user_payload(gym, **overrides):
    return {
        "username": "frontdesk2",
        "email": "frontdesk2@gym.com",
        "password": STRONG,
        "full_name": "Front Desk Two",
        "role": "receptionist",
        "gym": gym.pk,
        "phone": "555-0101",
        "document_id": "DOC-2",
        **overrides,
    }


# --- list and filters -----------------------------------------------------------------


def test_admin_lists_users_paginated(admin_client, staff, other_gym):
    UserFactory(username="far", role=Role.TRAINER, gym=other_gym)
    response = admin_client.get(USERS, {"limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"] and body["previous"] is None
    assert "password" not in body["results"][0]


def test_user_list_runs_a_fixed_number_of_queries(admin_client, gym, django_assert_max_num_queries):
    UserFactory.create_batch(30, gym=gym)
    with django_assert_max_num_queries(3):
        response = admin_client.get(USERS, {"limit": 500})
    assert response.json()["count"] == 31


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role": "trainer"}, {"trainer", "far"}),
        ({"role": "mechanic"}, {"mechanic", "sleepy"}),
        ({"is_active": "false"}, {"sleepy"}),
        ({"is_active": "true", "role": "receptionist"}, {"receptionist"}),
        ({"search": "RECEP"}, {"receptionist"}),
        ({"search": "far@"}, {"far"}),
        ({"active_only": "true", "role": "trainer"}, {"trainer", "far"}),
    ],
)
def test_user_filters(admin_client, staff, other_gym, params, expected):
    UserFactory(username="far", email="far@elsewhere.com", role=Role.TRAINER, gym=other_gym)
    UserFactory(username="sleepy", role=Role.MECHANIC, gym=other_gym, is_active=False)
    response = admin_client.get(USERS, params)
    assert response.status_code == 200
    assert {u["username"] for u in response.json()["results"]} == expected


def test_user_filter_by_gym(admin_client, staff, gym, other_gym):
    UserFactory(username="far", role=Role.TRAINER, gym=other_gym)
    names = {u["username"] for u in admin_client.get(USERS, {"gym": other_gym.pk}).json()["results"]}
    assert names == {"far"}
    names = {u["username"] for u in admin_client.get(USERS, {"gym": gym.pk}).json()["results"]}
    assert names == {"trainer", "receptionist", "mechanic"}


def test_bad_filter_values_are_400(admin_client, staff):
    for params in [{"role": "pilot"}, {"gym": "abc"}, {"is_active": "maybe"}, {"active_only": "x"}]:
        response = admin_client.get(USERS, params)
        assert response.status_code == 400, params
        assert response.json()["code"] in {"invalid", "invalid_choice"}


@pytest.mark.parametrize("role", [Role.TRAINER, Role.RECEPTIONIST, Role.MECHANIC])
def test_staff_administration_is_admin_only(staff, role):
    client = client_for(staff[role])
    target = staff[Role.MECHANIC if role != Role.MECHANIC else Role.TRAINER]
    calls = [
        ("get", USERS, None),
        ("post", USERS, {}),
        ("get", f"{USERS}{target.pk}", None),
        ("put", f"{USERS}{target.pk}", {}),
        ("patch", f"{USERS}{target.pk}", {"full_name": "X"}),
        ("patch", f"{USERS}{target.pk}/deactivate", None),
        ("patch", f"{USERS}{target.pk}/activate", None),
        ("patch", f"{USERS}{target.pk}/password", {"new_password": STRONG}),
        ("get", f"{USERS}{target.pk}/tokens", None),
        ("delete", f"{USERS}{target.pk}/tokens/1", None),
    ]
    for method, url, data in calls:
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 403, (method, url)
        assert response.json()["code"] == "permission_denied"
    target.refresh_from_db()
    assert target.is_active and target.full_name != "X"


# --- create ---------------------------------------------------------------------------


def test_admin_creates_a_user(admin_client, admin_user, gym):
    response = admin_client.post(USERS, new_user_payload(gym), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert "password" not in body
    assert body["role"] == "receptionist"
    assert body["gym"] == gym.pk
    assert body["is_active"] is True
    user = User.objects.get(username="frontdesk2")
    assert user.check_password(STRONG)
    event = AuditEvent.objects.get(action="user.created")
    assert event.actor_user == admin_user
    assert event.target_id == str(user.pk)
    assert event.gym == gym
    assert STRONG not in str(event.data)
    # The new account can log in at once.
    login = APIClient().post(
        "/api/v1/auth/login", {"username": "frontdesk2", "password": STRONG}, format="json"
    )
    assert login.status_code == 200


def test_create_refuses_duplicates(admin_client, trainer, gym):
    for clash in [{"username": "trainer"}, {"email": "TRAINER@gym.com"}]:
        response = admin_client.post(USERS, new_user_payload(gym, **clash), format="json")
        assert response.status_code == 400, clash
        body = response.json()
        assert body["code"] == "user_exists"
        assert set(body["errors"]) == set(clash)
    assert User.objects.count() == 2


def test_create_without_a_gym_is_refused_unless_admin(admin_client, gym):
    payload = new_user_payload(gym)
    del payload["gym"]
    response = admin_client.post(USERS, payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "gym_required"
    response = admin_client.post(USERS, {**payload, "role": "admin", "gym": gym.pk}, format="json")
    assert response.status_code == 201
    # An admin belongs to no gym, whatever was sent.
    assert User.objects.get(username="frontdesk2").gym is None


def test_create_applies_password_validators(admin_client, gym):
    for weak in ["short", "password", "12345678901", "frontdesk2"]:
        response = admin_client.post(USERS, new_user_payload(gym, password=weak), format="json")
        assert response.status_code == 400, weak
        assert response.json()["code"] == "invalid_password"
        assert response.json()["errors"]["password"]
    assert not User.objects.filter(username="frontdesk2").exists()


def test_create_validates_types(admin_client, gym):
    payload = {**new_user_payload(gym), "email": "not-an-email", "role": "pilot", "gym": 99999}
    response = admin_client.post(USERS, payload, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "role", "gym"}


# --- retrieve, update -----------------------------------------------------------------


def test_retrieve_and_404(admin_client, trainer):
    response = admin_client.get(f"{USERS}{trainer.pk}")
    assert response.status_code == 200
    assert response.json()["username"] == "trainer"
    assert admin_client.get(f"{USERS}{trainer.pk}/").status_code == 200
    missing = admin_client.get(f"{USERS}99999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_put_updates_fields_but_never_is_active(admin_client, admin_user, trainer, other_gym):
    trainer_gym = trainer.gym_id
    response = admin_client.put(
        f"{USERS}{trainer.pk}",
        {
            "username": "coach",
            "email": "coach@gym.com",
            "full_name": "Head Coach",
            "role": "receptionist",
            "gym": other_gym.pk,
            "is_active": False,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    trainer.refresh_from_db()
    assert (trainer.username, trainer.email, trainer.full_name, trainer.role, trainer.gym) == (
        "coach", "coach@gym.com", "Head Coach", "receptionist", other_gym,
    )
    assert trainer.is_active is True
    event = AuditEvent.objects.get(action="user.changed")
    assert event.data == {
        "changed": ["email", "full_name", "gym", "role", "username"],
        "changes": {
            "email": ["trainer@gym.com", "coach@gym.com"],
            "full_name": ["Trainer", "Head Coach"],
            "gym": [trainer_gym, other_gym.pk],
            "role": ["trainer", "receptionist"],
            "username": ["trainer", "coach"],
        },
    }
    assert event.actor_user == admin_user


def test_patch_is_active_changes_nothing(admin_client, trainer):
    response = admin_client.patch(f"{USERS}{trainer.pk}", {"is_active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["is_active"] is True
    trainer.refresh_from_db()
    assert trainer.is_active
    assert not AuditEvent.objects.filter(action="user.changed").exists()


def test_update_refuses_taken_email_and_username(admin_client, trainer, receptionist):
    for clash in [{"email": "receptionist@gym.com"}, {"username": "receptionist"}]:
        response = admin_client.patch(f"{USERS}{trainer.pk}", clash, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "user_exists"
    trainer.refresh_from_db()
    assert trainer.username == "trainer" and trainer.email == "trainer@gym.com"


def test_promoting_to_admin_drops_the_gym_and_demoting_needs_one(admin_client, trainer, gym):
    response = admin_client.patch(f"{USERS}{trainer.pk}", {"role": "admin"}, format="json")
    assert response.status_code == 200
    trainer.refresh_from_db()
    assert trainer.role == "admin" and trainer.gym is None
    response = admin_client.patch(f"{USERS}{trainer.pk}", {"role": "trainer"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "gym_required"
    response = admin_client.patch(f"{USERS}{trainer.pk}", {"role": "trainer", "gym": gym.pk}, format="json")
    assert response.status_code == 200


def test_admin_cannot_change_own_role(admin_client, admin_user, gym):
    response = admin_client.patch(
        f"{USERS}{admin_user.pk}", {"role": "trainer", "gym": gym.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "cannot_change_own_role"
    admin_user.refresh_from_db()
    assert admin_user.role == "admin"


# --- activate, deactivate, password ---------------------------------------------------


def test_deactivate_and_activate(admin_client, admin_user, trainer):
    response = admin_client.patch(f"{USERS}{trainer.pk}/deactivate")
    assert response.status_code == 200
    assert response.json() == {"message": "User deactivated.", "user_id": trainer.pk}
    trainer.refresh_from_db()
    assert not trainer.is_active
    # Idempotent, and audited once.
    assert admin_client.patch(f"{USERS}{trainer.pk}/deactivate").status_code == 200
    assert AuditEvent.objects.filter(action="user.deactivated", target_id=str(trainer.pk)).count() == 1

    response = admin_client.patch(f"{USERS}{trainer.pk}/activate")
    assert response.json() == {"message": "User activated.", "user_id": trainer.pk}
    trainer.refresh_from_db()
    assert trainer.is_active
    event = AuditEvent.objects.get(action="user.activated")
    assert event.actor_user == admin_user
    assert event.gym_id == trainer.gym_id


def test_deactivating_oneself_is_400(admin_client, admin_user):
    response = admin_client.patch(f"{USERS}{admin_user.pk}/deactivate")
    assert response.status_code == 400
    assert response.json()["code"] == "cannot_deactivate_self"
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_deactivate_unknown_user_is_404(admin_client):
    assert admin_client.patch(f"{USERS}99999/deactivate").status_code == 404
    assert admin_client.patch(f"{USERS}99999/activate").status_code == 404


def test_admin_sets_anyones_password(admin_client, trainer):
    response = admin_client.patch(f"{USERS}{trainer.pk}/password", {"new_password": STRONG}, format="json")
    assert response.status_code == 200
    assert response.json() == {"message": "Password updated."}
    trainer.refresh_from_db()
    assert trainer.check_password(STRONG)
    assert AuditEvent.objects.filter(action="user.password_changed", target_id=str(trainer.pk)).exists()
    weak = admin_client.patch(f"{USERS}{trainer.pk}/password", {"new_password": "123"}, format="json")
    assert weak.status_code == 400
    assert weak.json()["code"] == "invalid_password"
    missing = admin_client.patch(f"{USERS}{trainer.pk}/password", {}, format="json")
    assert missing.status_code == 400
    assert "new_password" in missing.json()["errors"]
    assert admin_client.patch(f"{USERS}99999/password", {"new_password": STRONG}, format="json").status_code == 404


# --- own profile ----------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_everyone_reads_and_edits_their_own_profile(staff, role):
    user = staff[role]
    client = client_for(user)
    assert client.get(f"{USERS}me").json()["id"] == user.pk
    response = client.patch(
        f"{USERS}me", {"email": f"new-{role}@gym.com", "full_name": "Renamed", "phone": "555-9"}, format="json"
    )
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert (user.email, user.full_name, user.phone) == (f"new-{role}@gym.com", "Renamed", "555-9")


def test_profile_put_needs_email_and_name(trainer_client, trainer):
    response = trainer_client.put(f"{USERS}me", {"phone": "1"}, format="json")
    assert response.status_code == 400
    assert {"email", "full_name"} <= set(response.json()["errors"])
    response = trainer_client.put(
        f"{USERS}me", {"email": "t2@gym.com", "full_name": "T Two"}, format="json"
    )
    assert response.status_code == 200
    trainer.refresh_from_db()
    assert trainer.email == "t2@gym.com"


def test_profile_cannot_escalate_role_gym_or_activity(trainer_client, trainer, other_gym):
    """role, gym, is_active, username are read-only on /users/me: sent values are
    ignored (the answer shows the unchanged values) and the database is unchanged."""
    before = User.objects.values().get(pk=trainer.pk)
    response = trainer_client.patch(
        f"{USERS}me",
        {"role": "admin", "gym": other_gym.pk, "is_active": False, "username": "boss"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["role"], body["gym"], body["is_active"], body["username"]) == (
        "trainer", trainer.gym_id, True, "trainer",
    )
    after = User.objects.values().get(pk=trainer.pk)
    assert after == before
    # Still not an admin.
    assert trainer_client.get(USERS).status_code == 403
    assert not AuditEvent.objects.filter(action="user.changed").exists()


def test_profile_email_must_be_free(trainer_client, receptionist):
    response = trainer_client.patch(f"{USERS}me", {"email": "receptionist@gym.com"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "user_exists"


def test_profile_edit_is_audited(trainer_client, trainer):
    trainer_client.patch(f"{USERS}me", {"full_name": "Someone"}, format="json")
    event = AuditEvent.objects.get(action="user.changed")
    assert event.actor_user == trainer
    assert event.data == {"changed": ["full_name"], "changes": {"full_name": ["Trainer", "Someone"]}}


def test_me_needs_authentication(anon_client):
    assert anon_client.get(f"{USERS}me").status_code == 401
    assert anon_client.patch(f"{USERS}me/password", {}, format="json").status_code == 401


def test_change_own_password(trainer_client, trainer):
    url = f"{USERS}me/password"
    wrong = trainer_client.patch(url, {"current_password": "nope", "new_password": STRONG}, format="json")
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "wrong_current_password"
    assert "current_password" in wrong.json()["errors"]
    weak = trainer_client.patch(
        url, {"current_password": DEFAULT_PASSWORD, "new_password": "trainer"}, format="json"
    )
    assert weak.status_code == 400
    assert weak.json()["code"] == "invalid_password"
    trainer.refresh_from_db()
    assert trainer.check_password(DEFAULT_PASSWORD)

    ok = trainer_client.patch(url, {"current_password": DEFAULT_PASSWORD, "new_password": STRONG}, format="json")
    assert ok.status_code == 200
    assert ok.json()["message"] == "Password updated."
    assert set(ok.json()) == {"message", "access_token", "refresh_token"}
    trainer.refresh_from_db()
    assert trainer.check_password(STRONG)
    event = AuditEvent.objects.get(action="user.password_changed")
    assert event.actor_user == trainer and event.target_id == str(trainer.pk)


# --- one's own password, whatever the path ------------------------------------------


def test_an_admin_changing_their_own_password_by_id_needs_the_current_one(admin_client, admin_user):
    url = f"{USERS}{admin_user.pk}/password"
    missing = admin_client.patch(url, {"new_password": STRONG}, format="json")
    assert missing.status_code == 400
    assert missing.json() == {
        "detail": "Give your current password to change it.",
        "code": "current_password_required",
        "errors": {"current_password": ["Give your current password to change it."]},
    }
    wrong = admin_client.patch(url, {"new_password": STRONG, "current_password": "guess"}, format="json")
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "wrong_current_password"
    admin_user.refresh_from_db()
    assert admin_user.check_password(DEFAULT_PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_changed").exists()

    ok = admin_client.patch(url, {"new_password": STRONG, "current_password": DEFAULT_PASSWORD}, format="json")
    assert ok.status_code == 200
    assert ok.json() == {"message": "Password updated."}
    admin_user.refresh_from_db()
    assert admin_user.check_password(STRONG)
    event = AuditEvent.objects.get(action="user.password_changed")
    assert event.actor_user == admin_user and event.target_id == str(admin_user.pk)


def test_a_stolen_admin_session_cannot_take_the_account_over(admin_user):
    """Through a real JWT (or an API token): no current password, no new password."""
    login = APIClient().post(
        "/api/v1/auth/login", {"username": "admin", "password": DEFAULT_PASSWORD}, format="json"
    ).json()
    stolen = APIClient()
    stolen.credentials(HTTP_AUTHORIZATION=f"Bearer {login['access_token']}")
    raw = stolen.post(f"{USERS}me/tokens", {"description": "x"}, format="json").json()["token"]
    for credentials in (login["access_token"], raw):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {credentials}")
        for url in (f"{USERS}{admin_user.pk}/password", f"{USERS}{admin_user.pk}/password/"):
            response = client.patch(url, {"new_password": STRONG}, format="json")
            assert response.status_code == 400, url
            assert response.json()["code"] == "current_password_required"
        response = client.patch(f"{USERS}me/password", {"new_password": STRONG}, format="json")
        assert response.status_code == 400
        assert "current_password" in response.json()["errors"]
    admin_user.refresh_from_db()
    assert admin_user.check_password(DEFAULT_PASSWORD)


def test_the_admin_sets_another_users_password_without_theirs(admin_client, trainer):
    response = admin_client.patch(f"{USERS}{trainer.pk}/password", {"new_password": STRONG}, format="json")
    assert response.status_code == 200
    trainer.refresh_from_db()
    assert trainer.check_password(STRONG)


# --- a gym named in a body --------------------------------------------------------------


def test_a_missing_gym_is_400_on_the_gym_field(admin_client, trainer, gym):
    created = admin_client.post(USERS, {**new_user_payload(gym), "gym": 99999}, format="json")
    updated = admin_client.patch(f"{USERS}{trainer.pk}", {"gym": 99999}, format="json")
    for response in (created, updated):
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "does_not_exist" and body["detail"]
        assert list(body["errors"]) == ["gym"]
        assert "does not exist" in body["errors"]["gym"][0]
    trainer.refresh_from_db()
    assert trainer.gym == gym
    assert not User.objects.filter(username="frontdesk2").exists()
    assert not AuditEvent.objects.exists()


def test_registration_answers_an_inactive_gym_like_a_missing_one(gym, settings):
    """Registration sees active gyms only: an inactive gym's id tells nothing more."""
    from tests.factories import GymFactory

    settings.ALLOW_REGISTRATION = True
    closed = GymFactory(name="Closed", is_active=False)
    missing = closed.pk + 1000
    payload = {
        "username": "newbie",
        "email": "newbie@gym.com",
        "password": STRONG,
        "full_name": "New",
        "role": "mechanic",
    }
    answers = [
        APIClient().post("/api/v1/auth/register", {**payload, "gym": gym_id}, format="json")
        for gym_id in (closed.pk, missing)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    first, second = (a.json() for a in answers)
    assert first == {
        **second,
        "errors": {"gym": [m.replace(str(missing), str(closed.pk)) for m in second["errors"]["gym"]]},
    }
    assert list(first["errors"]) == ["gym"]
    assert not User.objects.filter(username="newbie").exists()
