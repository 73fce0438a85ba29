"""The owner's admin pages write through the services (audited, their rules applied), and
the demo timetable is idempotent, in the gym's language, with some bookings."""

from datetime import timedelta

import pytest

from classes.demo import DEMO_CLASSES, seed_demo
from classes.models import Booking, BookingStatus, ClassSession, ClassType, FeedToken, ScheduleRule
from gymsite.accounts.models import AuditEvent
from tests.factories import GymFactory, UserFactory

from .helpers import book, covered_member, make_session, make_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client, admin_user):
    client.force_login(admin_user)
    return client


def test_every_classes_admin_page_opens(owner, gym, frozen):
    session = make_session(gym)
    book(session, covered_member(gym))
    for path in ("classtype", "schedulerule", "classsession", "booking", "classpolicy", "feedtoken"):
        assert owner.get(f"/admin/classes/{path}/").status_code == 200, path
    assert owner.get(f"/admin/classes/classsession/{session.pk}/change/").status_code == 200


def test_a_class_type_and_a_rule_made_in_the_admin_go_through_the_services(owner, gym, frozen):
    r = owner.post(
        "/admin/classes/classtype/add/",
        {"gym": gym.pk, "name": "Spinning", "description": "", "default_duration_minutes": 45,
         "default_capacity": 20, "colour": "#e4572e", "is_active": "on"},
    )
    assert r.status_code == 302, r.content[:2000]
    spinning = ClassType.objects.get(name="Spinning")
    r = owner.post(
        "/admin/classes/schedulerule/add/",
        {"gym": gym.pk, "class_type": spinning.pk, "weekday": 0, "start_time": "07:00", "duration_minutes": 45,
         "capacity": 20, "room": "", "valid_from": "2026-05-13", "valid_until": ""},
    )
    assert r.status_code == 302, r.content[:2000]
    rule = ScheduleRule.objects.get()
    assert ClassSession.objects.filter(rule=rule).count() == 4  # the service generated them
    assert AuditEvent.objects.filter(action__in=["class_type.created", "schedule_rule.created"]).count() == 2
    # A duplicate name comes back as a form error, nothing saved.
    r = owner.post(
        "/admin/classes/classtype/add/",
        {"gym": gym.pk, "name": "spinning", "default_duration_minutes": 45, "default_capacity": 20, "colour": "#e4572e"},
    )
    assert r.status_code == 200 and ClassType.objects.count() == 1


def test_cancelling_sessions_from_the_admin(owner, gym, frozen):
    session = make_session(gym)
    booking = book(session, covered_member(gym))
    r = owner.post("/admin/classes/classsession/", {"action": "cancel_sessions", "_selected_action": [session.pk]})
    assert r.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED_BY_GYM
    assert AuditEvent.objects.filter(action="class_session.cancelled").exists()


def test_lowering_capacity_in_the_admin_unbooks_nobody(owner, gym, frozen):
    session = make_session(gym, capacity=2)
    for _ in range(3):
        book(session, covered_member(gym))
    r = owner.post(
        f"/admin/classes/classsession/{session.pk}/change/",
        {"capacity": 1, "instructor": "", "room": "B",
         "bookings-TOTAL_FORMS": 0, "bookings-INITIAL_FORMS": 3, "bookings-MIN_NUM_FORMS": 0, "bookings-MAX_NUM_FORMS": 1000},
    )
    assert r.status_code == 302, r.content[:3000]
    assert Booking.objects.filter(session=session, status=BookingStatus.BOOKED).count() == 2
    assert AuditEvent.objects.filter(action="class_session.changed").exists()


def test_demo_timetable_is_idempotent_and_spoken_in_the_gyms_language(frozen):
    gym = GymFactory(name="Gimnasio", language="es", time_zone="America/Mexico_City")
    trainer = UserFactory(role="trainer", gym=gym)
    members = [covered_member(gym) for _ in range(6)]
    assert seed_demo(gym) > 0
    assert seed_demo(gym) == 0
    assert set(ClassType.objects.filter(gym=gym).values_list("name", flat=True)) == {"Spinning", "Yoga", "Box"}
    rules = ScheduleRule.objects.filter(gym=gym)
    assert rules.count() == sum(len(c[7]) for c in DEMO_CLASSES)
    assert {r.start_time.hour for r in rules} == {7, 19, 10}
    assert set(rules.values_list("instructor", flat=True)) == {trainer.pk}
    boxing = rules.get(class_type__name="Box")
    assert boxing.weekday == 5
    assert Booking.objects.filter(member__in=members).exists()


def test_revoking_feeds_from_the_admin(owner, gym):
    from classes import services
    from gymsite.accounts.audit import Actor

    feed, _raw = services.feed_token_create(actor=Actor.system(), gym=gym)
    r = owner.post("/admin/classes/feedtoken/", {"action": "revoke_feeds", "_selected_action": [feed.pk]})
    assert r.status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None and not FeedToken.objects.filter(revoked_at__isnull=True).exists()


def test_session_detail_page_shows_bookings_in_gym_time(owner, gym, frozen):
    session = make_session(gym, starts_in=timedelta(days=2), class_type=make_type(gym, name="Pilates"))
    book(session, covered_member(gym, first_name="Zoe"))
    page = owner.get(f"/admin/classes/classsession/{session.pk}/change/").content.decode()
    assert "Zoe" in page and "Pilates" in page
