"""The booking policy endpoint, and bookings made by a member app through an API token."""

import pytest
from rest_framework.test import APIClient

from classes.models import Booking
from gymsite.accounts.audit import Actor
from gymsite.accounts.models import AuditEvent
from gymsite.accounts.services import api_token_create

from .helpers import covered_member, make_session

pytestmark = pytest.mark.django_db


def test_the_policy_reads_its_defaults_and_changes_for_admins_only(gym, admin_client, receptionist_client):
    r = receptionist_client.get("/api/v1/classes/policy")
    assert r.status_code == 200
    assert r.json() == {
        "booking_window_days": 7,
        "cancel_cutoff_minutes": 120,
        "weeks_ahead": 4,
        "no_show_limit": None,
        "no_show_block_days": 7,
    }
    assert receptionist_client.put("/api/v1/classes/policy", {"weeks_ahead": 6}, format="json").status_code == 403
    r = admin_client.put(f"/api/v1/classes/policy?gym={gym.pk}", {"weeks_ahead": 6, "no_show_limit": 3}, format="json")
    assert r.status_code == 200 and r.json()["weeks_ahead"] == 6 and r.json()["no_show_limit"] == 3
    assert receptionist_client.get("/api/v1/classes/policy").json()["weeks_ahead"] == 6
    assert admin_client.put(f"/api/v1/classes/policy?gym={gym.pk}", {"weeks_ahead": 0}, format="json").status_code == 400
    assert admin_client.put(f"/api/v1/classes/policy?gym={gym.pk}", {"weeks_ahead": 99}, format="json").status_code == 400
    assert admin_client.get("/api/v1/classes/policy?gym=987654").json()["code"] == "gym_not_found"
    assert AuditEvent.objects.filter(action="class_policy.changed").count() == 1


def test_a_member_app_books_with_an_api_token(gym, frozen, receptionist):
    token, raw = api_token_create(actor=Actor(user=receptionist), user=receptionist, description="Member app")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    session = make_session(gym)
    r = client.post(f"/api/v1/classes/sessions/{session.pk}/bookings", {"member": covered_member(gym).pk}, format="json")
    assert r.status_code == 201, r.content
    booking = Booking.objects.get()
    assert booking.created_by == receptionist and booking.created_by_token == token
    assert r.json()["created_by_token"] == token.pk
    event = AuditEvent.objects.get(action="booking.created")
    assert event.actor_token == token
