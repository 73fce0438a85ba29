"""Races against PostgreSQL: the session's row lock keeps places and the waitlist exact,
cancellations never promote twice nor skip, one member never holds two overlapping
classes, and generation running twice at once makes nothing twice."""

from datetime import time, timedelta

import pytest

from classes import services
from classes.models import Booking, BookingStatus, ClassSession
from gymsite.accounts.audit import Actor
from tests.concurrency import run_together
from tests.conftest import client_for

from .helpers import book, covered_member, make_session, make_type, waitlist_positions

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_thirty_bookings_for_twenty_places(gym, receptionist):
    session = make_session(gym, capacity=20)
    members = [covered_member(gym) for _ in range(30)]

    def booking(member):
        return lambda: client_for(receptionist).post(
            f"/api/v1/classes/sessions/{session.pk}/bookings", {"member": member.pk}, format="json"
        )

    responses = run_together([booking(m) for m in members])
    assert [r.status_code for r in responses] == [201] * 30, [r.content for r in responses if r.status_code != 201]
    assert Booking.objects.filter(session=session, status=BookingStatus.BOOKED).count() == 20
    assert waitlist_positions(session) == list(range(1, 11))
    # The waitlist is in the order the bookings were made (the lock's order).
    waitlisted = list(Booking.objects.filter(session=session, status=BookingStatus.WAITLISTED).order_by("waitlist_position"))
    assert [b.created_at for b in waitlisted] == sorted(b.created_at for b in waitlisted)


def test_concurrent_cancellations_promote_each_waitlisted_once_in_order(gym, receptionist):
    session = make_session(gym, capacity=5)
    holders = [book(session, covered_member(gym)) for _ in range(5)]
    waiting = [book(session, covered_member(gym)) for _ in range(10)]

    def cancel(booking):
        return lambda: client_for(receptionist).delete(f"/api/v1/classes/bookings/{booking.pk}").status_code

    # Five booked places freed at once, and the 7th and 9th on the waitlist leaving too.
    results = run_together([cancel(b) for b in holders] + [cancel(waiting[6]), cancel(waiting[8])])
    assert results == [200] * 7
    booked = set(Booking.objects.filter(session=session, status=BookingStatus.BOOKED).values_list("pk", flat=True))
    assert booked == {b.pk for b in waiting[:5]}
    remaining = list(
        Booking.objects.filter(session=session, status=BookingStatus.WAITLISTED)
        .order_by("waitlist_position")
        .values_list("pk", "waitlist_position")
    )
    assert remaining == [(waiting[5].pk, 1), (waiting[7].pk, 2), (waiting[9].pk, 3)]


def test_a_member_never_holds_two_overlapping_classes(gym, receptionist):
    member = covered_member(gym)
    first = make_session(gym, starts_in=timedelta(days=1))
    second = make_session(gym, starts_in=timedelta(days=1, minutes=15))

    def booking(session):
        return lambda: client_for(receptionist).post(
            f"/api/v1/classes/sessions/{session.pk}/bookings", {"member": member.pk}, format="json"
        )

    responses = run_together([booking(first), booking(second), booking(first)])
    codes = [r.json()["code"] if r.status_code != 201 else "ok" for r in responses]
    assert codes.count("ok") == 1, codes
    assert set(codes) - {"ok"} <= {"already_booked", "overlapping_booking"}, codes
    assert Booking.objects.filter(member=member).count() == 1


def test_generation_twice_at_once_makes_each_session_once(gym):
    class_type = make_type(gym)
    for weekday in range(7):
        services.schedule_rule_create(
            actor=Actor.system(), gym=gym, class_type=class_type, weekday=weekday, start_time=time(23, 59)
        )
    ClassSession.objects.all().delete()
    results = run_together([services.sessions_generate, services.sessions_generate, services.sessions_generate])
    assert all(isinstance(r, int) for r in results), results
    per_rule_day = ClassSession.objects.values_list("rule_id", "rule_date")
    assert len(per_rule_day) == len(set(per_rule_day)) >= 28
