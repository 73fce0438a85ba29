"""Generating sessions from the weekly rules (idempotent, in the gym's time zone, across
daylight-saving changes), editing rules and sessions, and cancelling sessions."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django_celery_beat.models import PeriodicTask

from classes import services, tasks
from classes.models import Booking, BookingStatus, ClassSession, SessionStatus
from gymsite.accounts.audit import Actor
from gymsite.accounts.models import AuditEvent

from .helpers import book, covered_member, make_rule, make_session, make_type, statuses

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system()


def test_a_rule_generates_four_weeks_in_the_gyms_zone(gym, frozen):
    # Wednesday 13 May 2026, 12:00 in Mexico City; Mondays at 07:00 local = 13:00 UTC.
    rule = make_rule(gym, weekday=0, start=time(7, 0), duration_minutes=45, capacity=12)
    sessions = list(ClassSession.objects.filter(rule=rule).order_by("starts_at"))
    assert [s.local_date for s in sessions] == [date(2026, 5, 18), date(2026, 5, 25), date(2026, 6, 1), date(2026, 6, 8)]
    assert all(s.starts_at.astimezone(UTC).time() == time(13, 0) for s in sessions)
    assert all(s.duration_minutes == 45 and s.capacity == 12 and s.local_start == time(7, 0) for s in sessions)


def test_generation_is_idempotent_and_the_task_extends_the_horizon(gym, frozen):
    rule = make_rule(gym, weekday=2, start=time(19, 0))  # Wednesdays: today's 19:00 is still ahead
    assert ClassSession.objects.filter(rule=rule).count() == 5  # 13 May … 10 June
    assert services.sessions_generate() == 0
    assert tasks.generate_sessions() == 0
    frozen.move_to(datetime(2026, 5, 21, 18, 0, tzinfo=UTC))  # a week later
    assert tasks.generate_sessions() == 1
    assert tasks.generate_sessions() == 0
    assert ClassSession.objects.filter(rule=rule).count() == 6
    assert AuditEvent.objects.filter(action="class_session.generated").count() == 2


def test_a_cancelled_session_is_not_made_again(gym, frozen):
    rule = make_rule(gym, weekday=0)
    first = ClassSession.objects.filter(rule=rule).earliest("starts_at")
    services.class_session_cancel(actor=SYSTEM, session=first, reason="Holiday")
    assert services.sessions_generate() == 0
    assert ClassSession.objects.filter(rule=rule, local_date=first.local_date).count() == 1


def test_rule_dates_inactive_types_and_the_gyms_horizon_bound_generation(gym, frozen):
    services.class_policy_save(actor=SYSTEM, gym=gym, changes={"weeks_ahead": 2})
    rule = make_rule(gym, weekday=0, valid_from=date(2026, 5, 20))
    assert list(ClassSession.objects.filter(rule=rule).values_list("local_date", flat=True)) == [date(2026, 5, 25)]
    ended = make_rule(gym, weekday=1, valid_until=date(2026, 5, 19))
    assert ClassSession.objects.filter(rule=ended).count() == 1
    sleeping = make_type(gym, name="Pilates", is_active=False)
    assert ClassSession.objects.filter(rule=make_rule(gym, sleeping, weekday=4)).count() == 0


@pytest.mark.parametrize(
    ("start", "expected_utc"),
    [
        # A 07:00 class keeps 07:00 local: CET (UTC+1) before 29 March, CEST (UTC+2) after.
        (time(7, 0), [(3, 22, 6, 0), (3, 29, 5, 0), (4, 5, 5, 0), (4, 12, 5, 0)]),
        # 02:30 does not exist on 29 March: it is held at 03:30 CEST (01:30 UTC).
        (time(2, 30), [(3, 22, 1, 30), (3, 29, 1, 30), (4, 5, 0, 30), (4, 12, 0, 30)]),
    ],
)
def test_generation_across_the_spring_change_in_madrid(other_gym, start, expected_utc):
    with time_machine.travel(datetime(2026, 3, 20, 12, 0, tzinfo=UTC), tick=False):
        rule = make_rule(other_gym, weekday=6, start=start)
    sessions = ClassSession.objects.filter(rule=rule).order_by("starts_at")
    assert [s.starts_at for s in sessions] == [datetime(2026, m, d, h, mi, tzinfo=UTC) for m, d, h, mi in expected_utc]
    assert [s.local_date.day for s in sessions] == [22, 29, 5, 12]


def test_generation_across_the_autumn_change_in_madrid(other_gym):
    with time_machine.travel(datetime(2026, 10, 14, 12, 0, tzinfo=UTC), tick=False):
        seven = make_rule(other_gym, weekday=6, start=time(7, 0))
        twice = make_rule(other_gym, weekday=6, start=time(2, 30))
    assert [s.starts_at.hour for s in ClassSession.objects.filter(rule=seven).order_by("starts_at")] == [5, 6, 6, 6]
    # 02:30 on 25 October happens twice: the first (CEST, 00:30 UTC) is the one.
    ambiguous = ClassSession.objects.get(rule=twice, local_date=date(2026, 10, 25))
    assert ambiguous.starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert ambiguous.local_start == time(2, 30)


def test_beat_schedules_exist_once():
    names = set(PeriodicTask.objects.filter(task__startswith="classes.").values_list("task", flat=True))
    assert names == {"classes.tasks.generate_sessions", "classes.tasks.mark_no_shows"}
    assert PeriodicTask.objects.filter(task="classes.tasks.generate_sessions").count() == 1


# --- editing rules ---------------------------------------------------------------------


def test_editing_a_rule_changes_future_sessions_never_past_ones(gym, frozen, admin_client):
    rule = make_rule(gym, weekday=2, start=time(7, 0))  # Wednesdays; today's 07:00 has passed
    frozen.move_to(datetime(2026, 5, 21, 18, 0, tzinfo=UTC))
    past = ClassSession.objects.get(rule=rule, local_date=date(2026, 5, 20))
    r = admin_client.patch(f"/api/v1/classes/rules/{rule.pk}", {"start_time": "08:30", "capacity": 15}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert len(body["moved"]) == 3 and body["cancelled"] == [] and body["created"] == 1
    past.refresh_from_db()
    assert past.local_start == time(7, 0) and past.capacity == 20
    future = ClassSession.objects.filter(rule=rule, starts_at__gt=datetime(2026, 5, 21, 18, 0, tzinfo=UTC))
    assert {(s.local_start, s.capacity) for s in future} == {(time(8, 30), 15)}
    assert AuditEvent.objects.filter(action="schedule_rule.changed", target_id=str(rule.pk)).exists()


def test_moving_booked_sessions_needs_confirmation_and_emails_members(gym, frozen, admin_client, eager, django_capture_on_commit_callbacks):
    rule = make_rule(gym, weekday=4, start=time(7, 0))  # Fridays
    first = ClassSession.objects.filter(rule=rule).earliest("starts_at")
    member = covered_member(gym, email="ana@example.com", first_name="Ana")
    book(first, member)
    r = admin_client.patch(f"/api/v1/classes/rules/{rule.pk}", {"weekday": 3}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "confirmation_required"
    assert r.json()["sessions"][0]["id"] == first.pk
    rule.refresh_from_db()
    assert rule.weekday == 4  # nothing changed
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.patch(f"/api/v1/classes/rules/{rule.pk}", {"weekday": 3, "confirm": True}, format="json")
    assert r.status_code == 200, r.content
    first.refresh_from_db()
    assert first.local_date == date(2026, 5, 14) and first.local_start == time(7, 0)  # Thursday
    assert Booking.objects.get(member=member).status == BookingStatus.BOOKED
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert "Ana" in mail.outbox[0].body and mail.outbox[0].alternatives[0][1] == "text/html"
    assert services.sessions_generate() == 0  # the rule's days are all there, once


def test_shortening_a_rule_cancels_the_sessions_outside(gym, frozen, admin_client):
    rule = make_rule(gym, weekday=0)
    r = admin_client.patch(f"/api/v1/classes/rules/{rule.pk}", {"valid_until": "2026-05-26"}, format="json")
    assert r.status_code == 200
    assert ClassSession.objects.filter(rule=rule, status=SessionStatus.SCHEDULED).count() == 2
    assert len(r.json()["cancelled"]) == 2


def test_deleting_a_rule_cancels_its_future_sessions(gym, frozen, admin_client):
    rule = make_rule(gym, weekday=0)
    session = ClassSession.objects.filter(rule=rule).earliest("starts_at")
    book(session, covered_member(gym))
    assert admin_client.delete(f"/api/v1/classes/rules/{rule.pk}").json()["code"] == "confirmation_required"
    assert admin_client.delete(f"/api/v1/classes/rules/{rule.pk}?confirm=true").status_code == 204
    assert set(ClassSession.objects.filter(rule__isnull=True).values_list("status", flat=True)) == {"cancelled"}
    assert Booking.objects.get().status == BookingStatus.CANCELLED_BY_GYM


def test_rule_input_is_checked(gym, other_gym, trainer, admin_client, frozen):
    class_type = make_type(gym)
    foreign_type = make_type(other_gym)
    url = "/api/v1/classes/rules"
    base = {"gym": gym.pk, "class_type": class_type.pk, "weekday": 1, "start_time": "07:00"}
    assert admin_client.post(url, {**base, "weekday": 7}, format="json").status_code == 400
    r = admin_client.post(url, {**base, "class_type": foreign_type.pk}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "does_not_exist"
    r = admin_client.post(url, {**base, "valid_from": "2026-06-01", "valid_until": "2026-05-01"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_range"
    r = admin_client.post(url, {**base, "valid_from": "2199-12-31"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "date_out_of_range"
    r = admin_client.post(url, {**base, "instructor": trainer.pk}, format="json")
    assert r.status_code == 201 and r.json()["capacity"] == 20
    assert ClassSession.objects.filter(rule_id=r.json()["id"], instructor=trainer).count() == 4


# --- sessions ----------------------------------------------------------------------------


def test_cancelling_a_session_emails_booked_and_waitlisted_in_the_gyms_language(
    gym, frozen, admin_client, eager, django_capture_on_commit_callbacks
):
    gym.language = "es"
    gym.save()
    session = make_session(gym, capacity=1, class_type=make_type(gym, name="Yoga"))
    booked, waiting = covered_member(gym, first_name="Ana"), covered_member(gym, first_name="Luis")
    gone = covered_member(gym)
    book(session, booked)
    book(session, waiting)
    services.booking_cancel(actor=SYSTEM, booking=book(session, gone))
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post(f"/api/v1/classes/sessions/{session.pk}/cancel", {"reason": "Sin luz"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert statuses(session) == {"cancelled_by_gym": [booked.pk, waiting.pk], "cancelled": [gone.pk]}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([booked.email, waiting.email])
    # In Spanish: the date's words come from Django's own catalogue (the gym's zone: 12:00
    # on Thursday 14 May in Mexico City).
    assert all("jueves 14 mayo 2026, 12:00" in m.body and "Sin luz" in m.body for m in mail.outbox), mail.outbox[0].body
    r = admin_client.post(f"/api/v1/classes/sessions/{session.pk}/cancel", {"reason": "again"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "session_cancelled"
    assert admin_client.post(f"/api/v1/classes/sessions/{session.pk}/cancel", {}, format="json").status_code == 400


def test_lowering_capacity_unbooks_nobody_and_raising_it_promotes(gym, frozen, admin_client):
    session = make_session(gym, capacity=3)
    members = [covered_member(gym) for _ in range(5)]
    for member in members:
        book(session, member)
    r = admin_client.patch(f"/api/v1/classes/sessions/{session.pk}", {"capacity": 1}, format="json")
    assert r.status_code == 200
    assert r.json()["booked"] == 3 and r.json()["places_left"] == 0 and r.json()["waitlist_length"] == 2
    late = covered_member(gym)
    assert book(session, late).waitlist_position == 3
    r = admin_client.patch(f"/api/v1/classes/sessions/{session.pk}", {"capacity": 5}, format="json")
    assert r.json()["booked"] == 5 and r.json()["waitlist_length"] == 1
    assert statuses(session)["waitlisted"] == [(1, late.pk)]


def test_moving_a_session_with_bookings_needs_confirmation(gym, frozen, admin_client):
    session = make_session(gym)
    book(session, covered_member(gym))
    later = (session.starts_at + timedelta(days=2)).isoformat()
    r = admin_client.patch(f"/api/v1/classes/sessions/{session.pk}", {"starts_at": later}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "confirmation_required"
    r = admin_client.patch(f"/api/v1/classes/sessions/{session.pk}", {"starts_at": later, "confirm": True}, format="json")
    assert r.status_code == 200 and r.json()["starts_at"].startswith(later[:16].replace("+00:00", ""))


def test_a_generated_session_moved_to_another_day_keeps_its_place_in_the_schedule(gym, frozen):
    rule = make_rule(gym, weekday=0)
    session = ClassSession.objects.filter(rule=rule).earliest("starts_at")
    services.class_session_update(actor=SYSTEM, session=session, changes={"starts_at": session.starts_at + timedelta(days=1)})
    session.refresh_from_db()
    assert session.rule_id == rule.pk and session.rule_date == date(2026, 5, 18) and session.local_date == date(2026, 5, 19)
    assert services.sessions_generate() == 0


def test_trainers_manage_only_their_own_sessions(gym, frozen, trainer, trainer_client):
    own = make_session(gym, instructor=trainer)
    other = make_session(gym)
    assert trainer_client.patch(f"/api/v1/classes/sessions/{own.pk}", {"room": "B"}, format="json").status_code == 200
    r = trainer_client.patch(f"/api/v1/classes/sessions/{other.pk}", {"room": "B"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "not_your_session"
    assert trainer_client.get(f"/api/v1/classes/sessions/{other.pk}/roster").status_code == 403
    assert trainer_client.get(f"/api/v1/classes/sessions/{own.pk}/roster").status_code == 200


def test_one_off_sessions_are_checked(gym, other_gym, frozen, admin_client, receptionist):
    class_type = make_type(gym)
    url = "/api/v1/classes/sessions"
    base = {"gym": gym.pk, "class_type": class_type.pk, "starts_at": "2026-05-20T10:00:00-06:00"}
    r = admin_client.post(url, base, format="json")
    assert r.status_code == 201 and r.json()["rule"] is None and r.json()["local_date"] == "2026-05-20"
    assert admin_client.post(url, {**base, "starts_at": "2026-05-01T10:00:00-06:00"}, format="json").json()["code"] == "starts_in_past"
    r = admin_client.post(url, {**base, "instructor": receptionist.pk}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_instructor"
    assert admin_client.post(url, {**base, "gym": other_gym.pk}, format="json").json()["code"] == "does_not_exist"
