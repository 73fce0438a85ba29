"""Builders for the classes tests: class types, rules and sessions made through the
services, covered members, and the booking/check-in calls."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from classes import services
from classes.models import Booking, BookingStatus, ClassSession
from gymsite.accounts.audit import Actor
from tests.factories import MemberFactory

_counter = iter(range(1, 10**9))


def local_today(gym):
    return timezone.now().astimezone(gym.tz).date()


def covered_member(gym, **overrides):
    """A member whose membership covers the next 60 days (gym-local)."""
    today = local_today(gym)
    fields = {
        "gym": gym,
        "current_plan_name": "Monthly",
        "membership_since": today - timedelta(days=60),
        "membership_starts_on": today - timedelta(days=10),
        "expires_on": today + timedelta(days=60),
        "email": f"m{next(_counter)}@example.com",
    }
    fields.update(overrides)
    return MemberFactory(**fields)


def make_type(gym, *, name=None, duration=60, capacity=20, **extra):
    return services.class_type_create(
        actor=Actor.system(),
        gym=gym,
        name=name or f"Class {next(_counter)}",
        default_duration_minutes=duration,
        default_capacity=capacity,
        **extra,
    )


def make_rule(gym, class_type=None, *, weekday=0, start=time(7, 0), **extra):
    return services.schedule_rule_create(
        actor=Actor.system(), gym=gym, class_type=class_type or make_type(gym), weekday=weekday, start_time=start, **extra
    )


def make_session(gym, *, starts_in=timedelta(days=1), class_type=None, capacity=20, duration=60, instructor=None, starts_at=None):
    """A one-off session `starts_in` from now (or at `starts_at`)."""
    return services.class_session_create(
        actor=Actor.system(),
        gym=gym,
        class_type=class_type or make_type(gym),
        starts_at=starts_at or (timezone.now() + starts_in).replace(microsecond=0),
        duration_minutes=duration,
        capacity=capacity,
        instructor=instructor,
    )


def book(session, member, *, user=None) -> Booking:
    return services.booking_create(actor=Actor(user=user), session=session, member=member)


def statuses(session: ClassSession) -> dict[str, list]:
    """Member id lists by status, and the waitlist as (position, member id)."""
    rows = Booking.objects.filter(session=session).order_by("waitlist_position", "id")
    out: dict[str, list] = {}
    for row in rows:
        out.setdefault(row.status, []).append(
            (row.waitlist_position, row.member_id) if row.status == BookingStatus.WAITLISTED else row.member_id
        )
    return out


def waitlist_positions(session) -> list[int]:
    return list(
        Booking.objects.filter(session=session, status=BookingStatus.WAITLISTED)
        .order_by("waitlist_position")
        .values_list("waitlist_position", flat=True)
    )


def aware(tz, *args) -> datetime:
    return datetime(*args, tzinfo=tz)
