"""The iCalendar feeds, parsed back with icalendar: per gym and per instructor, reached by
an unguessable token that can be revoked, with no member's name in them."""

from datetime import UTC, datetime, time, timedelta

import pytest
from icalendar import Calendar

from classes import services
from classes.models import FeedToken
from gymsite.accounts.audit import Actor
from gymsite.accounts.models import AuditEvent

from .helpers import book, covered_member, make_rule, make_session, make_type

pytestmark = pytest.mark.django_db


def _events(client, url):
    r = client.get(url, HTTP_ACCEPT="text/calendar")
    assert r.status_code == 200, r.content
    assert r["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(r.content)
    return r.content.decode(), [c for c in calendar.walk("VEVENT")]


def test_a_gym_feed_made_over_the_api_lists_sessions_without_members(gym, frozen, admin_client, anon_client, trainer):
    yoga = make_type(gym, name="Yoga")
    make_rule(gym, yoga, weekday=3, start=time(19, 0), instructor=trainer, room="Studio 2")
    cancelled = make_session(gym, class_type=make_type(gym, name="Boxing"))
    member = covered_member(gym, first_name="Zacarías", last_name="Quiñones")
    book(cancelled, member)
    services.class_session_cancel(actor=Actor.system(), session=cancelled, reason="Holiday")
    r = admin_client.post("/api/v1/classes/feeds", {"gym": gym.pk, "description": "Front page"}, format="json")
    assert r.status_code == 201, r.content
    token, url = r.json()["token"], r.json()["url"]
    assert token.startswith("gymcal_") and len(token) > 40 and url.endswith(f"/api/v1/classes/feed/{token}.ics")
    assert not FeedToken.objects.filter(token_hash=token).exists()  # only the hash is kept
    text, events = _events(anon_client, f"/api/v1/classes/feed/{token}.ics")
    assert len(events) == 5
    yoga_events = [e for e in events if str(e["SUMMARY"]) == "Yoga"]
    first = min(yoga_events, key=lambda e: e.decoded("DTSTART"))
    assert first.decoded("DTSTART") == datetime(2026, 5, 15, 1, 0, tzinfo=UTC)  # Thu 19:00 in Mexico City
    assert first.decoded("DTEND") - first.decoded("DTSTART") == timedelta(hours=1)
    assert str(first["LOCATION"]) == "Studio 2" and "Trainer" in str(first["DESCRIPTION"])
    boxing = next(e for e in events if str(e["SUMMARY"]) == "Boxing")
    assert str(boxing["STATUS"]) == "CANCELLED"
    assert "Zacar" not in text and "Qui" not in text and member.email not in text
    assert AuditEvent.objects.filter(action="class_feed.created").exists()


def test_an_instructor_feed_and_revocation(gym, frozen, trainer, trainer_client, anon_client, admin_client):
    make_rule(gym, weekday=3, instructor=trainer)
    make_rule(gym, weekday=4)
    r = trainer_client.post("/api/v1/classes/feeds", {}, format="json")
    assert r.status_code == 201 and r.json()["instructor"]["id"] == trainer.pk
    token = r.json()["token"]
    _text, events = _events(anon_client, f"/api/v1/classes/feed/{token}.ics")
    assert len(events) == 4
    assert [f["id"] for f in trainer_client.get("/api/v1/classes/feeds").json()["results"]] == [r.json()["id"]]
    assert trainer_client.delete(f"/api/v1/classes/feeds/{r.json()['id']}").status_code == 204
    gone = anon_client.get(f"/api/v1/classes/feed/{token}.ics", HTTP_ACCEPT="text/calendar")
    assert gone.status_code == 404 and gone.json()["code"] == "feed_not_found"
    assert trainer_client.delete(f"/api/v1/classes/feeds/{r.json()['id']}").json()["code"] == "already_revoked"


def test_guessed_and_malformed_tokens_are_not_found(gym, anon_client):
    services.feed_token_create(actor=Actor.system(), gym=gym)
    for token in ("gymcal_" + "A" * 43, "nope", "gymcal_", "x" * 300):
        assert anon_client.get(f"/api/v1/classes/feed/{token}.ics").status_code == 404


def test_a_trainer_cannot_make_someone_elses_feed(gym, trainer_client):
    from tests.factories import UserFactory

    other = UserFactory(role="trainer", gym=gym)
    r = trainer_client.post("/api/v1/classes/feeds", {"instructor": other.pk}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "not_your_session"
