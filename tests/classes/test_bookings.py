"""Booking: each rule refused with its own code and nothing written; capacity and the
waitlist; cancelling on time or late; promotion from the waitlist with its email."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail

from attendance.models import Attendance
from classes import services
from classes.models import Booking, BookingStatus
from gymsite.accounts.audit import Actor
from gymsite.accounts.models import AuditEvent
from tests.factories import MemberFactory

from .helpers import book, covered_member, make_session, statuses, waitlist_positions

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system()


def url(session):
    return f"/api/v1/classes/sessions/{session.pk}/bookings"


def test_booking_and_waitlist_over_http(gym, frozen, receptionist_client, receptionist):
    session = make_session(gym, capacity=2)
    members = [covered_member(gym) for _ in range(4)]
    bodies = [receptionist_client.post(url(session), {"member": m.pk}, format="json") for m in members]
    assert [r.status_code for r in bodies] == [201] * 4
    assert [(b.json()["status"], b.json()["waitlist_position"]) for b in bodies] == [
        ("booked", None),
        ("booked", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]
    assert bodies[0].json()["created_by"] == receptionist.username
    assert AuditEvent.objects.filter(action="booking.created").count() == 2
    assert AuditEvent.objects.filter(action="booking.waitlisted").count() == 2


@pytest.mark.parametrize(
    ("member_fields", "code", "status"),
    [
        ({"is_active": False}, "member_inactive", 403),
        ({"membership_since": None, "membership_starts_on": None, "expires_on": None}, "no_membership", 403),
        ({"expires_on": date(2026, 5, 13)}, "membership_expired", 403),  # covered today, not tomorrow
        ({"paused_from": date(2026, 5, 14), "paused_until": date(2026, 5, 20)}, "membership_paused", 403),
    ],
)
def test_the_member_must_be_covered_on_the_sessions_day(gym, frozen, receptionist_client, member_fields, code, status):
    session = make_session(gym)  # tomorrow, 14 May
    member = covered_member(gym, **member_fields)
    r = receptionist_client.post(url(session), {"member": member.pk}, format="json")
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert r.json()["detail"]
    assert not Booking.objects.exists() and not Attendance.objects.exists()


def test_the_booking_window(gym, frozen, receptionist_client):
    member = covered_member(gym)
    too_early = make_session(gym, starts_in=timedelta(days=7, minutes=5))
    r = receptionist_client.post(url(too_early), {"member": member.pk}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "booking_not_open" and "opens_at" in r.json()
    assert receptionist_client.post(url(make_session(gym, starts_in=timedelta(days=6, hours=23))), {"member": member.pk}, format="json").status_code == 201
    started = make_session(gym, starts_in=timedelta(minutes=1))
    frozen.shift(timedelta(minutes=1))
    r = receptionist_client.post(url(started), {"member": member.pk}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "booking_closed"


def test_the_window_follows_the_gyms_policy(gym, frozen, receptionist_client):
    services.class_policy_save(actor=SYSTEM, gym=gym, changes={"booking_window_days": 14})
    session = make_session(gym, starts_in=timedelta(days=10))
    assert receptionist_client.post(url(session), {"member": covered_member(gym).pk}, format="json").status_code == 201


def test_one_booking_per_member_and_session_and_no_overlap(gym, frozen, receptionist_client):
    member = covered_member(gym)
    session = make_session(gym, starts_in=timedelta(days=1), duration=60)
    overlapping = make_session(gym, starts_in=timedelta(days=1, minutes=30), duration=60)
    adjacent = make_session(gym, starts_in=timedelta(days=1, minutes=60), duration=60)
    assert receptionist_client.post(url(session), {"member": member.pk}, format="json").status_code == 201
    r = receptionist_client.post(url(session), {"member": member.pk}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "already_booked"
    r = receptionist_client.post(url(overlapping), {"member": member.pk}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "overlapping_booking" and r.json()["session_id"] == session.pk
    assert receptionist_client.post(url(adjacent), {"member": member.pk}, format="json").status_code == 201
    # Cancelled, the member may book again (a new booking).
    booking = Booking.objects.get(session=session, member=member)
    services.booking_cancel(actor=SYSTEM, booking=booking)
    assert receptionist_client.post(url(session), {"member": member.pk}, format="json").status_code == 201
    assert Booking.objects.filter(session=session, member=member).count() == 2


def test_cancelled_sessions_other_gyms_and_bad_input(gym, other_gym, frozen, receptionist_client):
    session = make_session(gym)
    foreign = covered_member(other_gym)
    r = receptionist_client.post(url(session), {"member": foreign.pk}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "does_not_exist"
    foreign_session = make_session(other_gym)
    assert receptionist_client.post(url(foreign_session), {"member": covered_member(gym).pk}, format="json").status_code == 404
    assert receptionist_client.post(url(session), {"member": "x"}, format="json").status_code == 400
    assert receptionist_client.post(url(session), {"member": 10**20}, format="json").status_code == 400
    assert receptionist_client.post(url(session), "member=1", content_type="application/x-www-form-urlencoded").status_code in (400, 415)
    services.class_session_cancel(actor=SYSTEM, session=session, reason="Closed")
    r = receptionist_client.post(url(session), {"member": covered_member(gym).pk}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "session_cancelled"
    assert not Booking.objects.exists()


# --- cancelling --------------------------------------------------------------------------


def test_cancel_before_the_cutoff_is_cancelled_after_it_late(gym, frozen, receptionist_client):
    session = make_session(gym, starts_in=timedelta(hours=3))
    early, late = covered_member(gym), covered_member(gym)
    first, second = book(session, early), book(session, late)
    r = receptionist_client.delete(f"/api/v1/classes/bookings/{first.pk}")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    frozen.shift(timedelta(hours=1, minutes=1))  # 1 h 59 min before the start
    r = receptionist_client.post(f"/api/v1/classes/bookings/{second.pk}/cancel", {"reason": "ill"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "late_cancelled" and r.json()["cancel_reason"] == "ill"
    r = receptionist_client.delete(f"/api/v1/classes/bookings/{second.pk}")
    assert r.status_code == 409 and r.json()["code"] == "not_cancellable"
    assert AuditEvent.objects.filter(action="booking.late_cancelled").count() == 1


def test_no_cancelling_once_started_and_the_cutoff_follows_policy(gym, frozen, receptionist_client):
    services.class_policy_save(actor=SYSTEM, gym=gym, changes={"cancel_cutoff_minutes": 30})
    session = make_session(gym, starts_in=timedelta(minutes=45))
    booking = book(session, covered_member(gym))
    other = book(session, covered_member(gym))
    assert receptionist_client.delete(f"/api/v1/classes/bookings/{booking.pk}").json()["status"] == "cancelled"
    frozen.shift(timedelta(minutes=46))
    r = receptionist_client.delete(f"/api/v1/classes/bookings/{other.pk}")
    assert r.status_code == 409 and r.json()["code"] == "session_started"


def test_a_freed_place_promotes_the_first_waitlisted_and_emails_them_after_commit(
    gym, frozen, receptionist_client, eager, django_capture_on_commit_callbacks
):
    session = make_session(gym, capacity=1)
    holder = covered_member(gym)
    first, second, third = (covered_member(gym, first_name=n) for n in ("Ana", "Bea", "Cris"))
    booking = book(session, holder)
    for member in (first, second, third):
        book(session, member)
    # The second on the waitlist leaves: positions close up.
    services.booking_cancel(actor=SYSTEM, booking=Booking.objects.get(member=second))
    assert statuses(session)["waitlisted"] == [(1, first.pk), (2, third.pk)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = receptionist_client.delete(f"/api/v1/classes/bookings/{booking.pk}")
    assert r.status_code == 200
    # Promoted in the same transaction; the email waits for the commit.
    assert statuses(session)["booked"] == [first.pk] and statuses(session)["waitlisted"] == [(1, third.pk)]
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [[first.email]]
    assert "Ana" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="booking.promoted", target_id=str(Booking.objects.get(member=first).pk)).exists()


def test_a_refused_booking_emails_nobody(gym, frozen, receptionist_client, eager, django_capture_on_commit_callbacks):
    session = make_session(gym, capacity=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        r = receptionist_client.post(url(session), {"member": MemberFactory(gym=gym).pk}, format="json")
    assert r.status_code == 403 and callbacks == [] and mail.outbox == []


def test_cancelling_when_capacity_was_cut_promotes_nobody(gym, frozen):
    session = make_session(gym, capacity=2)
    a, b, c = (book(session, covered_member(gym)) for _ in range(3))
    services.class_session_update(actor=SYSTEM, session=session, changes={"capacity": 1})
    services.booking_cancel(actor=SYSTEM, booking=a)
    # One place taken (b) for a capacity of 1: c stays first on the waitlist.
    c.refresh_from_db()
    assert c.status == BookingStatus.WAITLISTED and c.waitlist_position == 1
    services.booking_cancel(actor=SYSTEM, booking=b)
    c.refresh_from_db()
    assert c.status == BookingStatus.BOOKED and waitlist_positions(session) == []


# --- no-shows ----------------------------------------------------------------------------


def test_the_no_show_task_marks_booked_bookings_of_ended_sessions(gym, frozen):
    from classes import tasks

    session = make_session(gym, starts_in=timedelta(hours=1), duration=60)
    cancelled_session = make_session(gym, starts_in=timedelta(hours=1, minutes=30), duration=30)
    absent, came = covered_member(gym), covered_member(gym)
    book(session, absent)
    book(session, came)
    kept = book(cancelled_session, covered_member(gym))
    services.class_session_cancel(actor=SYSTEM, session=cancelled_session, reason="x")
    frozen.shift(timedelta(hours=1, minutes=5))
    services.class_check_in(actor=SYSTEM, session=session, member=came)
    assert tasks.mark_no_shows() == 0  # not ended yet
    frozen.shift(timedelta(hours=1))
    assert tasks.mark_no_shows() == 1
    assert tasks.mark_no_shows() == 0
    assert statuses(session) == {"no_show": [absent.pk], "attended": [came.pk]}
    kept.refresh_from_db()
    assert kept.status == BookingStatus.CANCELLED_BY_GYM


def test_the_no_show_policy_is_off_by_default_and_blocks_when_on(gym, frozen, receptionist_client):
    member = covered_member(gym)
    for days in (20, 10):  # two no-shows in the last 30 days
        session = make_session(gym, starts_in=timedelta(hours=1))
        book(session, member)
        Booking.objects.filter(session=session).update(status=BookingStatus.NO_SHOW)
        session.__class__.objects.filter(pk=session.pk).update(
            starts_at=datetime(2026, 5, 13, 18, tzinfo=UTC) - timedelta(days=days),
            ends_at=datetime(2026, 5, 13, 19, tzinfo=UTC) - timedelta(days=days),
        )
    upcoming = make_session(gym)
    assert receptionist_client.post(url(upcoming), {"member": member.pk}, format="json").status_code == 201
    Booking.objects.filter(session=upcoming).delete()
    services.class_policy_save(actor=SYSTEM, gym=gym, changes={"no_show_limit": 2, "no_show_block_days": 14})
    r = receptionist_client.post(url(upcoming), {"member": member.pk}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "no_show_blocked"
    assert r.json()["blocked_until"].startswith("2026-05-17")  # the second no-show + 14 days
    frozen.move_to(datetime(2026, 5, 17, 19, tzinfo=UTC))
    later = make_session(gym)
    assert receptionist_client.post(url(later), {"member": member.pk}, format="json").status_code == 201
