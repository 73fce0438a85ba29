"""Failed password checks are counted per account, however it is named (email, username,
a wrong current password when changing it), and per identifier for names of nobody, so
the limit cannot be doubled and the 429s do not tell who exists."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from gymsite.accounts.models import AuditEvent, User
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
STRONG = "another-Sturdy-passphrase-4"
T0 = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)


def login(client, password=DEFAULT_PASSWORD, **identifier):
    return client.post(LOGIN, {**identifier, "password": password}, format="json")


def test_failures_by_email_and_by_username_share_one_limit(anon_client, trainer):
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            assert login(anon_client, password="wrong", email="trainer@gym.com").status_code == 401
        for _ in range(2):
            assert login(anon_client, password="wrong", username="trainer").status_code == 401
        for identifier in ({"email": "TRAINER@gym.com"}, {"username": "trainer"}, {"email": "trainer"}):
            response = login(anon_client, **identifier)  # even with the right password
            assert response.status_code == 429, identifier
            assert response.json()["code"] == "throttled" and response.json()["detail"]
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 5
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_an_unknown_identifier_is_throttled_like_an_account(trainer):
    """Same answers, same Retry-After, at the same attempt: 429s do not tell who exists."""
    answers = {}
    for identifier in ("trainer", "nobody-here"):
        client = APIClient(REMOTE_ADDR=f"10.3.0.{len(answers) + 1}")
        with time_machine.travel(T0, tick=False):
            statuses = [login(client, password="wrong", username=identifier).status_code for _ in range(7)]
            last = login(client, password="wrong", username=identifier)
        answers[identifier] = (statuses, last.status_code, last.json(), last["Retry-After"])
    assert answers["trainer"] == answers["nobody-here"]
    assert answers["trainer"][0] == [401] * 5 + [429] * 2


def test_unknown_identifiers_are_counted_each_on_its_own(anon_client, trainer):
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            login(anon_client, password="wrong", username="ghost")
        assert login(anon_client, password="wrong", username="ghost").status_code == 429
        assert login(anon_client, password="wrong", username="ghost2").status_code == 401
        assert login(anon_client, username="trainer").status_code == 200


def test_an_identifier_that_is_one_accounts_email_and_anothers_username(anon_client, gym):
    """Left from before usernames and emails were unique across each other: the field the
    client named decides the account, and each account keeps its own limit."""
    alice = UserFactory(username="alice", email="shared@gym.com", gym=gym)
    bob = UserFactory(username="shared@gym.com", email="bob@gym.com", gym=gym)
    bob.set_password(STRONG)
    bob.save()
    with time_machine.travel(T0, tick=False):
        # The email field names alice: bob's password is wrong there.
        assert login(anon_client, password=STRONG, email="shared@gym.com").status_code == 401
        for _ in range(4):
            login(anon_client, password="wrong", email="shared@gym.com")
        assert login(anon_client, email="shared@gym.com").status_code == 429
        # The username field names bob, whose count is his own.
        response = login(anon_client, password=STRONG, username="shared@gym.com")
        assert response.status_code == 200
        assert response.json()["user"]["id"] == bob.pk
    failed = AuditEvent.objects.filter(action="auth.login_failed")
    assert {e.target_id for e in failed} == {str(alice.pk)}


def test_a_wrong_current_password_counts_as_a_failed_login(trainer):
    client = client_for(trainer)
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            response = client.patch(
                "/api/v1/users/me/password", {"current_password": "nope", "new_password": STRONG}, format="json"
            )
            assert response.status_code == 400
            assert response.json()["code"] == "wrong_current_password"
        for _ in range(2):
            assert login(APIClient(), password="wrong", username="trainer").status_code == 401
        throttled = client.patch(
            "/api/v1/users/me/password", {"current_password": DEFAULT_PASSWORD, "new_password": STRONG}, format="json"
        )
        assert throttled.status_code == 429
        assert int(throttled["Retry-After"]) > 0
        assert login(APIClient(), username="trainer").status_code == 429
    trainer.refresh_from_db()
    assert trainer.check_password(DEFAULT_PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_changed").exists()


def test_usernames_and_emails_are_unique_across_each_other(admin_client, trainer, gym):
    base = {"password": STRONG, "full_name": "New", "role": "receptionist", "gym": gym.pk}
    taken_username = admin_client.post(
        "/api/v1/users/", {**base, "username": "TRAINER@gym.com", "email": "new@gym.com"}, format="json"
    )
    assert taken_username.status_code == 400
    assert taken_username.json()["code"] == "user_exists"
    assert set(taken_username.json()["errors"]) == {"username"}

    legacy = UserFactory(username="old@gym.com", email="legacy@gym.com", gym=gym)
    taken_email = admin_client.patch(f"/api/v1/users/{trainer.pk}", {"email": "Old@gym.com"}, format="json")
    assert taken_email.status_code == 400
    assert set(taken_email.json()["errors"]) == {"email"}
    trainer.refresh_from_db()
    assert trainer.email == "trainer@gym.com"
    # One's own username may equal one's own email.
    assert admin_client.patch(f"/api/v1/users/{legacy.pk}", {"email": "old@gym.com"}, format="json").status_code == 200
    assert User.objects.filter(username__startswith="new").count() == 0


def test_either_name_in_either_field_still_logs_in(anon_client, trainer):
    assert login(anon_client, username="Trainer@gym.com").status_code == 200
    assert login(anon_client, email="trainer").status_code == 200
