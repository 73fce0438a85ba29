"""The admin site's login takes the email or the username, as the API's login does, through
the same checks and the same per-account throttle (a throttled attempt is a form error,
never a 500)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from rest_framework.test import APIClient

from gymsite.accounts.admin_login import AdminLoginForm
from gymsite.accounts.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/?next=/admin/"
T0 = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)


def admin_login(client, identifier, password=DEFAULT_PASSWORD):
    return client.post(LOGIN_URL, {"username": identifier, "password": password})


def signed_in_as(client):
    return client.session.get(SESSION_KEY)


@pytest.mark.parametrize("identifier", ["admin@gym.com", "ADMIN@Gym.com", "admin"])
def test_an_admin_signs_in_with_the_email_or_the_username(admin_user, identifier):
    client = Client()
    response = admin_login(client, identifier)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/admin/"
    assert signed_in_as(client) == str(admin_user.pk)
    assert client.get("/admin/").status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.last_login is not None
    event = AuditEvent.objects.get(action="auth.login")
    assert event.target_id == str(admin_user.pk) and event.data == {"via": "admin"}


def test_the_field_is_labelled_email_or_username():
    page = Client().get(LOGIN_URL).content.decode()
    assert "Email or username" in page
    assert 'name="username"' in page and 'maxlength="254"' in page
    assert str(AdminLoginForm().fields["username"].label) == "Email or username"


@pytest.mark.parametrize(
    "identifier, password",
    [("admin@gym.com", "wrong"), ("admin", "wrong"), ("nobody@gym.com", DEFAULT_PASSWORD)],
)
def test_wrong_credentials_are_a_form_error(admin_user, identifier, password):
    client = Client()
    response = admin_login(client, identifier, password)
    assert response.status_code == 200
    assert "Please enter the correct email or username and password" in response.content.decode()
    assert signed_in_as(client) is None
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 1


def test_an_inactive_admin_is_refused(admin_user):
    admin_user.is_active = False
    admin_user.save()
    client = Client()
    assert admin_login(client, "admin@gym.com").status_code == 200
    assert signed_in_as(client) is None


def test_other_staff_with_the_right_password_do_not_enter(trainer):
    client = Client()
    response = admin_login(client, "trainer@gym.com")
    assert response.status_code == 200
    assert "Please enter the correct email or username and password" in response.content.decode()
    assert signed_in_as(client) is None
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_admin_and_api_failures_share_one_limit_per_account(admin_user):
    """3 failures at the API by email, 2 at the admin by username: the account's five. The
    next attempt, even with the right password, is refused with a form error."""
    api = APIClient()
    client = Client()
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            failed = api.post(
                "/api/v1/auth/login", {"email": "admin@gym.com", "password": "wrong"}, format="json"
            )
            assert failed.status_code == 401
        for _ in range(2):
            assert admin_login(client, "admin", "wrong").status_code == 200
        response = admin_login(client, "admin@gym.com")
        assert response.status_code == 200
        page = response.content.decode()
        assert "Too many failed sign-in attempts. Try again in 15 minutes." in page
        assert signed_in_as(client) is None
        # And the API answers the account's 429 too.
        throttled = api.post(
            "/api/v1/auth/login", {"username": "admin", "password": DEFAULT_PASSWORD}, format="json"
        )
        assert throttled.status_code == 429
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 5
    # Once the window has passed, the right password opens the admin again.
    with time_machine.travel(T0 + dt.timedelta(minutes=16), tick=False):
        assert admin_login(client, "admin@gym.com").status_code == 302
        assert signed_in_as(client) == str(admin_user.pk)


def test_the_throttle_message_counts_the_minutes_left(admin_user):
    client = Client()
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            admin_login(client, "admin@gym.com", "wrong")
    with time_machine.travel(T0 + dt.timedelta(minutes=14), tick=False):
        page = admin_login(client, "admin@gym.com").content.decode()
        assert "Try again in 1 minute." in page

