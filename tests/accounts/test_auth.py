"""Login, refresh rotation, logout, /auth/me, registration, and login and registration throttling."""

import datetime as dt
import functools

import pytest
import time_machine
from rest_framework.test import APIClient

from gymsite.accounts.models import AuditEvent, User
from gymsite.accounts.roles import Role
from tests.concurrency import run_together
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"
REGISTER = "/api/v1/auth/register"


def login(client, password=DEFAULT_PASSWORD, **identifier):
    return client.post(LOGIN, {**identifier, "password": password}, format="json")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_login_by_email_returns_tokens_and_user(anon_client, trainer):
    response = login(anon_client, email=trainer.email)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"] and body["refresh_token"]
    assert body["user"] == {
        "id": trainer.pk,
        "username": "trainer",
        "email": "trainer@gym.com",
        "full_name": trainer.full_name,
        "role": "trainer",
        "gym": trainer.gym_id,
        "is_active": True,
        "created_at": body["user"]["created_at"],
    }
    assert dt.datetime.fromisoformat(body["user"]["created_at"]).tzinfo is not None


def test_login_by_email_ignores_case(anon_client, trainer):
    assert login(anon_client, email="TRAINER@gym.com").status_code == 200


def test_login_by_username(anon_client, admin_user):
    response = login(anon_client, username="admin")
    assert response.status_code == 200, response.content
    assert response.json()["user"]["role"] == "admin"
    assert response.json()["user"]["gym"] is None


def test_access_token_works_and_sets_last_login(anon_client, trainer):
    body = login(anon_client, username="trainer").json()
    me = bearer(body["access_token"]).get(ME)
    assert me.status_code == 200
    assert me.json()["id"] == trainer.pk
    trainer.refresh_from_db()
    assert trainer.last_login is not None


def _failure_bodies(client, trainer):
    trainer_inactive = UserFactory(username="gone", email="gone@gym.com", is_active=False)
    answers = [
        login(client, password="wrong-password", email=trainer.email),
        login(client, email="nobody@gym.com"),
        login(client, username="nobody"),
        login(client, email=trainer_inactive.email),
        login(client, username=trainer_inactive.username),
    ]
    return [(r.status_code, r.json()) for r in answers]


def test_wrong_password_unknown_and_inactive_answer_the_same_401(anon_client, trainer):
    answers = _failure_bodies(anon_client, trainer)
    assert {status for status, _ in answers} == {401}
    bodies = [body for _, body in answers]
    assert all(body == bodies[0] for body in bodies), bodies
    assert bodies[0] == {"detail": "Invalid credentials.", "code": "invalid_credentials"}


def test_login_requires_an_identifier_and_a_password(anon_client):
    response = anon_client.post(LOGIN, {"password": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "identifier_required"
    response = anon_client.post(LOGIN, {"email": "a@b.c"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["errors"]


def test_login_audits_success_and_failure(anon_client, trainer):
    login(anon_client, password="nope", username="trainer")
    login(anon_client, username="trainer")
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.actor_type == "anonymous"
    assert failed.ip == "127.0.0.1"
    assert failed.data == {"identifier": "trainer"}
    assert failed.target_id == str(trainer.pk)
    assert "nope" not in str(failed.data)
    ok = AuditEvent.objects.get(action="auth.login")
    assert ok.actor_user == trainer
    assert ok.gym_id == trainer.gym_id


# --- throttling -----------------------------------------------------------------------


def test_sixth_failure_for_one_identifier_is_throttled_with_retry_after(anon_client, trainer):
    with time_machine.travel(dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(5):
            assert login(anon_client, password="wrong", username="trainer").status_code == 401
        clock.shift(dt.timedelta(minutes=10))
        # Even the right password is refused while throttled: the answer must not leak it.
        response = login(anon_client, username="trainer")
        assert response.status_code == 429
        assert response.json()["code"] == "throttled"
        retry_after = int(response["Retry-After"])
        assert 4 * 60 <= retry_after <= 5 * 60 + 1
        # Another identifier from the same address is not affected by this one's limit.
        assert login(anon_client, username="someone-else").status_code == 401
        clock.shift(dt.timedelta(seconds=retry_after))
        assert login(anon_client, username="trainer").status_code == 200


def test_identifier_limit_counts_email_case_insensitively(anon_client, trainer):
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False):
        for email in ["Trainer@gym.com", "trainer@GYM.com", "TRAINER@gym.com", " trainer@gym.com", "trainer@gym.com"]:
            assert login(anon_client, password="wrong", email=email).status_code == 401
        assert login(anon_client, email="trainer@gym.com").status_code == 429


def test_failures_older_than_the_window_do_not_count(anon_client, trainer):
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(4):
            login(anon_client, password="wrong", username="trainer")
        clock.shift(dt.timedelta(minutes=16))
        for _ in range(4):
            assert login(anon_client, password="wrong", username="trainer").status_code == 401
        assert login(anon_client, username="trainer").status_code == 200


def test_success_clears_the_accounts_failures_whatever_name_it_used(anon_client, trainer):
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False):
        for _ in range(4):
            login(anon_client, password="wrong", username="trainer")
        assert login(anon_client, email="trainer@gym.com").status_code == 200
        for _ in range(5):
            assert login(anon_client, password="wrong", email="trainer@gym.com").status_code == 401
        assert login(anon_client, username="trainer").status_code == 429


def test_twenty_failures_from_one_address_throttle_that_address(trainer):
    client = APIClient(REMOTE_ADDR="10.0.0.7")
    other = APIClient(REMOTE_ADDR="10.0.0.8")
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False) as clock:
        for n in range(20):
            assert login(client, password="wrong", username=f"guess{n}").status_code == 401
        response = login(client, username="trainer")
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        # Another address still logs in.
        assert login(other, username="trainer").status_code == 200
        clock.shift(dt.timedelta(minutes=15, seconds=1))
        assert login(client, username="trainer").status_code == 200


def test_successful_logins_from_one_address_are_not_throttled(trainer, receptionist):
    """A front desk where every shift logs in from the same office address."""
    client = APIClient(REMOTE_ADDR="10.0.0.10")
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False):
        for _ in range(15):
            assert login(client, username="trainer").status_code == 200
            assert login(client, username="receptionist").status_code == 200
        for n in range(19):
            login(client, password="wrong", username=f"guess{n}")
        assert login(client, username="trainer").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_check_at_most_five_passwords(trainer):
    def guess(n):
        client = APIClient(REMOTE_ADDR=f"10.1.0.{n}")
        return login(client, password=f"wrong-{n}", username="trainer").status_code

    statuses = run_together([functools.partial(guess, n) for n in range(16)])
    assert set(statuses) <= {401, 429}
    assert 1 <= statuses.count(401) <= 5, statuses
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == statuses.count(401)
    # Attempts refused in the crush are taken back: the account is locked once five real
    # failures are counted, and not before.
    expected = 429 if statuses.count(401) == 5 else 200
    assert login(APIClient(), username="trainer").status_code == expected


def test_forwarded_for_is_ignored_unless_behind_a_proxy(trainer, settings):
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False):
        for n in range(20):
            client = APIClient(REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}")
            login(client, password="wrong", username=f"guess{n}")
        client = APIClient(REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="9.9.9.9")
        assert login(client, username="trainer").status_code == 429
        settings.USE_X_FORWARDED_FOR = True
        assert login(client, username="trainer").status_code == 200
    event = AuditEvent.objects.filter(action="auth.login").get()
    assert event.ip == "9.9.9.9"


def test_garbage_forwarded_for_behind_a_proxy_is_not_an_error(trainer, settings):
    settings.USE_X_FORWARDED_FOR = True
    client = APIClient(HTTP_X_FORWARDED_FOR="not-an-address")
    assert login(client, password="wrong", username="trainer").status_code == 401
    assert AuditEvent.objects.get(action="auth.login_failed").ip is None


# --- refresh and logout ---------------------------------------------------------------


def test_refresh_rotates_and_a_used_refresh_token_is_refused(anon_client, trainer):
    first = login(anon_client, username="trainer").json()
    response = anon_client.post(REFRESH, {"refresh_token": first["refresh_token"]}, format="json")
    assert response.status_code == 200, response.content
    second = response.json()
    assert set(second) == {"access_token", "refresh_token"}
    assert second["refresh_token"] != first["refresh_token"]
    assert bearer(second["access_token"]).get(ME).status_code == 200

    reused = anon_client.post(REFRESH, {"refresh_token": first["refresh_token"]}, format="json")
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_not_valid"
    # The new one still works, once.
    assert anon_client.post(REFRESH, {"refresh_token": second["refresh_token"]}, format="json").status_code == 200


def test_refresh_refuses_garbage_and_access_tokens(anon_client, trainer):
    tokens = login(anon_client, username="trainer").json()
    for bad in ["garbage", tokens["access_token"]]:
        response = anon_client.post(REFRESH, {"refresh_token": bad}, format="json")
        assert response.status_code == 401, bad
        assert response.json()["code"] == "token_not_valid"
    assert anon_client.post(REFRESH, {}, format="json").status_code == 400


def test_refresh_of_a_deactivated_user_is_refused(anon_client, trainer):
    tokens = login(anon_client, username="trainer").json()
    User.objects.filter(pk=trainer.pk).update(is_active=False)
    response = anon_client.post(REFRESH, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert response.status_code == 401


def test_logout_ends_the_refresh_token(anon_client, trainer):
    tokens = login(anon_client, username="trainer").json()
    client = bearer(tokens["access_token"])
    response = client.post(LOGOUT, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"message": "Logged out."}
    refused = anon_client.post(REFRESH, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert refused.status_code == 401
    assert AuditEvent.objects.filter(action="auth.logout", actor_user=trainer).count() == 1
    # Logging out twice is refused the same way, without an error.
    again = client.post(LOGOUT, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert again.status_code == 401


def test_logout_cannot_end_someone_elses_refresh_token(anon_client, trainer, receptionist):
    theirs = login(anon_client, username="receptionist").json()
    mine = login(anon_client, username="trainer").json()
    response = bearer(mine["access_token"]).post(
        LOGOUT, {"refresh_token": theirs["refresh_token"]}, format="json"
    )
    assert response.status_code == 401
    assert anon_client.post(REFRESH, {"refresh_token": theirs["refresh_token"]}, format="json").status_code == 200


def test_logout_needs_authentication(anon_client, trainer):
    tokens = login(anon_client, username="trainer").json()
    response = anon_client.post(LOGOUT, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert response.status_code == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_let_exactly_one_through(trainer):
    tokens = login(APIClient(), username="trainer").json()

    def refresh():
        return APIClient().post(REFRESH, {"refresh_token": tokens["refresh_token"]}, format="json").status_code

    statuses = sorted(run_together([refresh] * 6))
    assert statuses == [200] + [401] * 5


# --- me -------------------------------------------------------------------------------


def test_me_needs_credentials(anon_client):
    response = anon_client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_with_a_bad_token_is_401(trainer):
    assert bearer("not-a-jwt").get(ME).status_code == 401


@pytest.mark.parametrize("role", list(Role))
def test_me_for_every_role(staff, role):
    user = staff[role]
    client = APIClient()
    tokens = login(client, username=user.username).json()
    body = bearer(tokens["access_token"]).get(ME).json()
    assert body["id"] == user.pk
    assert body["role"] == role.value
    assert body["gym"] == user.gym_id


def test_deactivated_users_access_token_stops_working_at_once(anon_client, trainer):
    tokens = login(anon_client, username="trainer").json()
    client = bearer(tokens["access_token"])
    assert client.get(ME).status_code == 200
    User.objects.filter(pk=trainer.pk).update(is_active=False)
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


# --- register -------------------------------------------------------------------------


REGISTRATION = {
    "username": "newbie",
    "email": "newbie@gym.com",
    "password": "a-Sturdy-passphrase-9",
    "full_name": "New Person",
    "role": "mechanic",
}


def test_register_is_404_when_off(anon_client, gym):
    response = anon_client.post(REGISTER, REGISTRATION, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not User.objects.filter(username="newbie").exists()


def test_register_creates_an_inactive_account_in_the_only_gym(anon_client, gym, settings):
    settings.ALLOW_REGISTRATION = True
    response = anon_client.post(REGISTER, REGISTRATION, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_active"] is False
    assert body["role"] == "mechanic"
    assert "password" not in body
    user = User.objects.get(username="newbie")
    assert not user.is_active
    assert user.gym == gym
    assert user.check_password(REGISTRATION["password"])
    # Inactive until an admin activates it: login fails like any bad credentials.
    assert login(anon_client, password=REGISTRATION["password"], username="newbie").status_code == 401
    event = AuditEvent.objects.get(action="user.created")
    assert event.actor_type == "anonymous"
    assert event.data["is_active"] is False


def test_register_never_creates_an_admin(anon_client, gym, settings):
    settings.ALLOW_REGISTRATION = True
    response = anon_client.post(REGISTER, {**REGISTRATION, "role": "admin"}, format="json")
    assert response.status_code == 400
    assert "role" in response.json()["errors"]
    assert not User.objects.filter(username="newbie").exists()


def test_register_names_the_gym_when_there_are_several(anon_client, gym, other_gym, settings):
    settings.ALLOW_REGISTRATION = True
    response = anon_client.post(REGISTER, REGISTRATION, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "gym_required"
    response = anon_client.post(REGISTER, {**REGISTRATION, "gym": other_gym.pk}, format="json")
    assert response.status_code == 201, response.content
    assert User.objects.get(username="newbie").gym == other_gym


def test_register_refuses_duplicates_and_weak_passwords(anon_client, trainer, settings):
    settings.ALLOW_REGISTRATION = True
    duplicate = anon_client.post(REGISTER, {**REGISTRATION, "email": "trainer@gym.com"}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json()["code"] == "user_exists"
    weak = anon_client.post(REGISTER, {**REGISTRATION, "password": "12345678"}, format="json")
    assert weak.status_code == 400
    assert weak.json()["code"] == "invalid_password"
    assert not User.objects.filter(username="newbie").exists()


def registration(n: int) -> dict:
    return {**REGISTRATION, "username": f"newbie{n}", "email": f"newbie{n}@gym.com"}


def test_sixth_registration_from_one_address_within_an_hour_is_throttled(gym, trainer, settings):
    settings.ALLOW_REGISTRATION = True
    client = APIClient(REMOTE_ADDR="10.0.2.1")
    with time_machine.travel(dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC), tick=False) as clock:
        for n in range(5):  # 12:00, 12:10, ..., 12:40
            assert client.post(REGISTER, registration(n), format="json").status_code == 201
            clock.shift(dt.timedelta(minutes=10))
        response = client.post(REGISTER, registration(5), format="json")  # 12:50
        assert response.status_code == 429
        assert response.json()["code"] == "throttled"
        assert int(response["Retry-After"]) == 10 * 60  # when the 12:00 one leaves the hour
        assert not User.objects.filter(username="newbie5").exists()
        # Another address registers; logins from this one have their own limits.
        assert APIClient(REMOTE_ADDR="10.0.2.2").post(REGISTER, registration(6), format="json").status_code == 201
        assert login(client, username="trainer").status_code == 200

        clock.shift(dt.timedelta(minutes=10, seconds=-1))  # 12:59:59
        response = client.post(REGISTER, registration(5), format="json")
        assert response.status_code == 429
        assert int(response["Retry-After"]) == 1
        clock.shift(dt.timedelta(seconds=1))  # 13:00: four left in the last hour
        assert client.post(REGISTER, registration(5), format="json").status_code == 201
        assert client.post(REGISTER, registration(7), format="json").status_code == 429
    assert User.objects.filter(username__startswith="newbie").count() == 7


def test_failed_registrations_count_too(trainer, settings):
    """Otherwise the endpoint would answer "user_exists" to any number of probes."""
    settings.ALLOW_REGISTRATION = True
    client = APIClient(REMOTE_ADDR="10.0.2.3")
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False):
        for _ in range(5):
            response = client.post(REGISTER, {**REGISTRATION, "email": "trainer@gym.com"}, format="json")
            assert response.json()["code"] == "user_exists"
        response = client.post(REGISTER, REGISTRATION, format="json")
        assert response.status_code == 429
        assert not User.objects.filter(username="newbie").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_from_one_address_create_at_most_five(gym, settings):
    settings.ALLOW_REGISTRATION = True

    def register(n):
        return APIClient(REMOTE_ADDR="10.0.2.9").post(REGISTER, registration(n), format="json").status_code

    statuses = run_together([functools.partial(register, n) for n in range(12)])
    assert set(statuses) <= {201, 429}
    assert 1 <= statuses.count(201) <= 5, statuses
    assert User.objects.filter(username__startswith="newbie").count() == statuses.count(201)
