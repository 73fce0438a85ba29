"""Class check-in: the booking attended and the day's visit recorded through attendance's
check-in, one decision for the door and the class; walk-ins while places are free."""

from datetime import timedelta

import pytest

from attendance.models import Attendance, AttendanceResult
from classes.models import Booking, BookingStatus
from gymsite.accounts.models import AuditEvent

from .helpers import book, covered_member, make_session, statuses

pytestmark = pytest.mark.django_db


def url(session):
    return f"/api/v1/classes/sessions/{session.pk}/check-in"


def test_check_in_marks_attended_and_records_the_visit(gym, frozen, receptionist_client):
    session = make_session(gym, starts_in=timedelta(minutes=30))
    member = covered_member(gym)
    booking = book(session, member)
    r = receptionist_client.post(url(session), {"member": member.pk}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["walk_in"] is False and body["booking"]["id"] == booking.pk and body["booking"]["status"] == "attended"
    visit = Attendance.objects.get(member=member)
    assert visit.result == AttendanceResult.GRANTED and body["attendance_id"] == visit.pk
    member.refresh_from_db()
    assert member.last_visit_at is not None
    r = receptionist_client.post(url(session), {"member": member.pk}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "already_attended"
    assert AuditEvent.objects.filter(action="booking.attended").count() == 1


def test_a_member_who_came_through_the_door_is_attended_with_that_visit(gym, frozen, receptionist_client):
    session = make_session(gym, starts_in=timedelta(minutes=30))
    member = covered_member(gym)
    book(session, member)
    assert receptionist_client.post(f"/api/v1/members/{member.pk}/check-in").status_code == 201
    r = receptionist_client.post(url(session), {"member": member.pk}, format="json")
    assert r.status_code == 200
    assert Attendance.objects.filter(member=member, result=AttendanceResult.GRANTED).count() == 1
    assert r.json()["attendance_id"] == Attendance.objects.get(member=member).pk


def test_the_door_s_refusal_is_the_class_s_refusal(gym, frozen, receptionist_client):
    session = make_session(gym, starts_in=timedelta(minutes=30))
    member = covered_member(gym)
    book(session, member)
    member.__class__.objects.filter(pk=member.pk).update(is_active=False)
    r = receptionist_client.post(url(session), {"member": member.pk}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "member_inactive"
    # Attendance recorded the refusal (committed), the booking did not change.
    assert Attendance.objects.get(member=member).result == AttendanceResult.DENIED
    assert Booking.objects.get(member=member).status == BookingStatus.BOOKED


def test_walk_ins_take_free_places_only(gym, frozen, receptionist_client):
    session = make_session(gym, starts_in=timedelta(minutes=30), capacity=2)
    booked = covered_member(gym)
    book(session, booked)
    walk_in = covered_member(gym)
    r = receptionist_client.post(url(session), {"member": walk_in.pk}, format="json")
    assert r.status_code == 200 and r.json()["walk_in"] is True
    waiting = covered_member(gym)
    book(session, waiting)  # full now: waitlisted
    r = receptionist_client.post(url(session), {"member": covered_member(gym).pk}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "session_full"
    r = receptionist_client.post(url(session), {"member": waiting.pk}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "session_full"
    assert statuses(session) == {"booked": [booked.pk], "attended": [walk_in.pk], "waitlisted": [(1, waiting.pk)]}


def test_check_in_window_and_cancelled_sessions(gym, frozen, trainer, trainer_client, receptionist_client):
    member = covered_member(gym)
    later = make_session(gym, starts_in=timedelta(hours=2), instructor=trainer)
    book(later, member)
    r = trainer_client.post(url(later), {"member": member.pk}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "check_in_not_open"
    frozen.shift(timedelta(hours=1, minutes=1))
    assert trainer_client.post(url(later), {"member": member.pk}, format="json").status_code == 200
    others = make_session(gym, starts_in=timedelta(minutes=10))
    r = trainer_client.post(url(others), {"member": covered_member(gym).pk}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "not_your_session"
    from classes import services
    from gymsite.accounts.audit import Actor

    services.class_session_cancel(actor=Actor.system(), session=others, reason="x")
    r = receptionist_client.post(url(others), {"member": covered_member(gym).pk}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "session_cancelled"
