"""The reads: the timetable with places left and waitlist length in a fixed number of
queries, the roster, a member's bookings, an instructor's week, and the stats."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from classes import services
from classes.models import Booking, BookingStatus, ClassSession
from gymsite.accounts.audit import Actor

from .helpers import book, covered_member, make_rule, make_session, make_type

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system()


def _list_queries(client, url) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries), r.json()


def test_the_timetable_counts_places_in_a_fixed_number_of_queries(gym, frozen, receptionist_client):
    session = make_session(gym, capacity=2)
    for _ in range(3):
        book(session, covered_member(gym))
    few, body = _list_queries(receptionist_client, "/api/v1/classes/sessions")
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["booked"], row["places_left"], row["waitlist_length"]) == (2, 0, 1)
    for index in range(10):
        other = make_session(gym, starts_in=timedelta(days=2, hours=index), capacity=5, instructor=None)
        book(other, covered_member(gym))
    many, body = _list_queries(receptionist_client, "/api/v1/classes/sessions")
    assert body["count"] == 11 and many == few


def test_timetable_filters(gym, other_gym, frozen, trainer, receptionist_client, admin_client):
    yoga = make_type(gym, name="Yoga")
    make_rule(gym, yoga, weekday=3, start=time(19, 0), instructor=trainer)  # Thursdays
    make_rule(gym, weekday=4)
    make_session(other_gym)
    r = receptionist_client.get("/api/v1/classes/sessions", {"date_from": "2026-05-14", "date_to": "2026-05-21"})
    assert r.json()["count"] == 3  # Thursdays 14 and 21, Friday 15
    r = receptionist_client.get("/api/v1/classes/sessions", {"class_type": yoga.pk, "instructor": trainer.pk})
    assert r.json()["count"] == 4 and {s["instructor"]["id"] for s in r.json()["results"]} == {trainer.pk}
    r = receptionist_client.get("/api/v1/classes/sessions", {"date_from": "2026-05-21", "date_to": "2026-05-14"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_range"
    r = receptionist_client.get("/api/v1/classes/sessions", {"date_from": "2026-01-01", "date_to": "2027-12-31"})
    assert r.status_code == 400 and r.json()["code"] == "range_too_long"
    assert receptionist_client.get("/api/v1/classes/sessions", {"gym": other_gym.pk}).json()["code"] == "gym_not_found"
    assert admin_client.get("/api/v1/classes/sessions", {"gym": other_gym.pk}).json()["count"] == 1


def test_roster(gym, frozen, receptionist_client, django_assert_max_num_queries):
    session = make_session(gym, capacity=1, starts_in=timedelta(minutes=30))
    first, second, third = (covered_member(gym) for _ in range(3))
    book(session, first)
    book(session, second)
    book(session, third)
    services.class_check_in(actor=SYSTEM, session=session, member=first)
    with django_assert_max_num_queries(8):
        r = receptionist_client.get(f"/api/v1/classes/sessions/{session.pk}/roster")
    body = r.json()
    assert [e["member"]["id"] for e in body["attended"]] == [first.pk]
    assert [(e["member"]["id"], e["waitlist_position"]) for e in body["waitlisted"]] == [(second.pk, 1), (third.pk, 2)]
    assert body["booked"] == [] and body["session"]["id"] == session.pk


def test_a_members_bookings(gym, frozen, receptionist_client, django_assert_max_num_queries):
    member = covered_member(gym)
    for hours in (30, 50, 70):
        book(make_session(gym, starts_in=timedelta(hours=hours)), member)
    book(make_session(gym), covered_member(gym))
    with django_assert_max_num_queries(6):
        r = receptionist_client.get("/api/v1/classes/bookings", {"member": member.pk})
    assert r.json()["count"] == 3
    starts = [b["starts_at"] for b in r.json()["results"]]
    assert starts == sorted(starts)
    r = receptionist_client.get("/api/v1/classes/bookings", {"member": member.pk, "status": "waitlisted"})
    assert r.json()["count"] == 0


def test_an_instructors_week(gym, frozen, trainer, trainer_client, receptionist_client):
    make_rule(gym, weekday=4, instructor=trainer)  # Fridays 07:00
    make_rule(gym, weekday=5)  # Saturdays, no instructor
    r = trainer_client.get("/api/v1/classes/sessions/week")
    assert r.status_code == 200
    assert [(s["local_date"], s["local_start"]) for s in r.json()] == [("2026-05-15", "07:00")]
    r = trainer_client.get("/api/v1/classes/sessions/week", {"date": "2026-05-25"})
    assert [s["local_date"] for s in r.json()] == ["2026-05-29"]
    r = receptionist_client.get("/api/v1/classes/sessions/week")
    assert [s["local_date"] for s in r.json()] == ["2026-05-15", "2026-05-16"]
    assert receptionist_client.get("/api/v1/classes/sessions/week", {"date": "1800-01-01"}).status_code == 400


def test_stats(gym, frozen, admin_client, trainer_client):
    spinning, yoga = make_type(gym, name="Spinning"), make_type(gym, name="Yoga")
    a = make_session(gym, class_type=spinning, capacity=4, starts_at=datetime(2026, 5, 14, 13, tzinfo=UTC))  # Thu 07:00
    b = make_session(gym, class_type=yoga, capacity=2, starts_at=datetime(2026, 5, 15, 1, tzinfo=UTC))  # Thu 19:00
    members = [covered_member(gym) for _ in range(4)]
    for member in members[:3]:
        book(a, member)
    late = book(b, members[3])
    ClassSession.objects.filter(pk=b.pk).update()  # (no-op: b stays scheduled)
    Booking.objects.filter(pk=late.pk).update(status=BookingStatus.LATE_CANCELLED)
    Booking.objects.filter(session=a, member=members[0]).update(status=BookingStatus.NO_SHOW)
    r = admin_client.get("/api/v1/classes/stats", {"date_from": "2026-05-14", "date_to": "2026-05-14"})
    assert r.status_code == 200, r.content
    block = r.json()["gyms"][0]
    by_type = {row["class_type"]["name"]: row for row in block["by_class_type"]}
    assert by_type["Spinning"]["taken"] == 3 and by_type["Spinning"]["fill_rate"] == 0.75
    assert by_type["Spinning"]["no_shows"] == 1
    assert by_type["Yoga"]["taken"] == 0 and by_type["Yoga"]["late_cancels"] == 1
    slots = {(row["weekday"], row["hour"]): row["fill_rate"] for row in block["by_weekday_hour"]}
    assert slots == {(4, 7): 0.75, (4, 19): 0.0}
    assert block["totals"]["capacity"] == 6 and block["totals"]["late_cancels"] == 1
    assert trainer_client.get("/api/v1/classes/stats", {"date_from": "2026-05-14", "date_to": "2026-05-14"}).status_code == 403
    r = admin_client.get("/api/v1/classes/stats")
    assert r.status_code == 200 and (r.json()["date_from"], r.json()["date_to"]) == ("2026-04-14", "2026-05-13")
    assert admin_client.get("/api/v1/classes/stats", {"date_from": "2026-05-14"}).json()["code"] == "invalid_range"
