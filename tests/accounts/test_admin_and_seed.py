"""The Django admin for gym owners, and the demo data of `make run`."""

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.test import Client

from gymsite.accounts.models import APIToken, AuditEvent, Gym, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_site_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("model", [Gym, User, APIToken, AuditEvent])
def test_admin_changelists_open_with_filters_and_search(admin_site_client, model, trainer):
    opts = model._meta
    url = f"/admin/{opts.app_label}/{opts.model_name}/"
    assert admin_site_client.get(url).status_code == 200
    assert admin_site_client.get(url, {"q": "trainer"}).status_code == 200
    model_admin = admin.site._registry[model]
    assert model_admin.list_display and model_admin.search_fields


def test_audit_events_are_read_only_in_the_admin(admin_site_client, admin_user):
    from gymsite.accounts.audit import Actor, audit_record

    event = audit_record(actor=Actor(user=admin_user), action="test.event")
    assert admin_site_client.get(f"/admin/accounts/auditevent/{event.pk}/delete/").status_code == 403
    assert admin_site_client.get("/admin/accounts/auditevent/add/").status_code == 403


def test_admin_creates_a_user_with_a_validated_password(admin_site_client, gym):
    url = "/admin/accounts/user/add/"
    base = {"username": "desk", "email": "desk@gym.com", "full_name": "Desk", "role": "receptionist",
            "gym": gym.pk, "is_active": "on"}
    weak = admin_site_client.post(url, {**base, "password1": "123"})
    assert weak.status_code == 200 and not User.objects.filter(username="desk").exists()
    no_gym = admin_site_client.post(url, {**base, "gym": "", "password1": "a-Sturdy-passphrase-1"})
    assert no_gym.status_code == 200 and not User.objects.filter(username="desk").exists()
    ok = admin_site_client.post(url, {**base, "password1": "a-Sturdy-passphrase-1"})
    assert ok.status_code == 302
    assert User.objects.get(username="desk").check_password("a-Sturdy-passphrase-1")


def test_only_active_admins_enter_the_admin(trainer, admin_user):
    client = Client()
    client.force_login(trainer)
    assert client.get("/admin/").status_code == 302  # to the login page
    admin_user.is_active = False
    admin_user.save()
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 302


def test_seed_demo_is_idempotent_and_logs_in(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    gym = Gym.objects.get(name="Main Gym")
    assert (gym.time_zone, gym.currency) == ("America/Mexico_City", "MXN")
    accounts = {
        "admin@gym.com": ("admin", "admin123", "admin", None),
        "trainer@gym.com": ("trainer", "trainer123", "trainer", gym.pk),
        "receptionist@gym.com": ("receptionist", "receptionist123", "receptionist", gym.pk),
        "mechanic@gym.com": ("mechanic", "mechanic123", "mechanic", gym.pk),
    }
    assert User.objects.count() == 4
    for email, (username, password, role, gym_id) in accounts.items():
        user = User.objects.get(email=email)
        assert (user.username, user.role, user.gym_id) == (username, role, gym_id)
        assert user.check_password(password)


def test_seed_demo_refuses_in_a_deployment_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    settings.EMBEDDED = False  # DATABASE_URL set
    with pytest.raises(CommandError):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()
    call_command("seed_demo", "--force", verbosity=0)
    assert User.objects.count() == 4


def test_seed_demo_runs_with_debug_off_on_the_embedded_default(settings):
    """`make run` (no DATABASE_URL) runs with DEBUG off and still loads its demo accounts."""
    settings.DEBUG = False
    settings.EMBEDDED = True
    call_command("seed_demo", verbosity=0)
    assert User.objects.count() == 4
