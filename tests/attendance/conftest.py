from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from attendance.models import Attendance, AttendanceResult, AttendanceSource
from tests.factories import MemberFactory

# 2024-05-15 is a Wednesday. Mexico City has been UTC-6 all year since 2022.
NOW = datetime(2024, 5, 15, 18, 0, tzinfo=UTC)  # 12:00 in Mexico City


@pytest.fixture
def frozen():
    """Time stands still at NOW (moved with `frozen.move_to`)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def local_today(gym) -> date:
    return timezone.now().astimezone(gym.tz).date()


def make_member(gym, **overrides):
    """A member with an active membership today (gym-local) unless overridden."""
    today = local_today(gym)
    fields = {
        "gym": gym,
        "current_plan_name": "Monthly",
        "membership_since": today - timedelta(days=60),
        "membership_starts_on": today - timedelta(days=10),
        "expires_on": today + timedelta(days=20),
    }
    fields.update(overrides)
    return MemberFactory(**fields)


def make_visit(member, at: datetime, *, result=AttendanceResult.GRANTED, reason="", **extra):
    """An attendance row written directly (a known history, not through the rules)."""
    return Attendance.objects.create(
        member=member,
        gym=member.gym,
        check_in_at=at,
        local_date=at.astimezone(member.gym.tz).date(),
        result=result,
        reason=reason,
        source=extra.pop("source", AttendanceSource.FRONT_DESK),
        **extra,
    )


def local(gym, *args) -> datetime:
    """An aware datetime given as the gym's wall-clock time."""
    return datetime(*args, tzinfo=gym.tz)


def check_in_url(member_or_id) -> str:
    member_id = getattr(member_or_id, "pk", member_or_id)
    return f"/api/v1/members/{member_id}/check-in"
