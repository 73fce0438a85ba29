"""Permission-matrix providers for attendance routes (see tests/matrix.py)."""

from datetime import timedelta

from django.utils import timezone

from attendance.models import Attendance
from tests.factories import MemberFactory
from tests.matrix import provides


def _member(ctx):
    # An active membership: a refused check-in answers 403 too, which the matrix would
    # read as a permission refusal.
    today = timezone.now().astimezone(ctx.gym.tz).date()
    return MemberFactory(
        gym=ctx.gym,
        membership_since=today - timedelta(days=30),
        membership_starts_on=today - timedelta(days=1),
        expires_on=today + timedelta(days=29),
    )


@provides("member-check-in", "member_id")
def check_in_member_id(ctx):
    return _member(ctx).pk


@provides("attendance", "member_id")
def attendance_member_id(ctx):
    return _member(ctx).pk


@provides("attendance", "pk")
def attendance_pk(ctx):
    member = _member(ctx)
    at = timezone.now() - timedelta(minutes=30)
    return Attendance.objects.create(
        member=member,
        gym=ctx.gym,
        check_in_at=at,
        local_date=at.astimezone(ctx.gym.tz).date(),
        result="granted",
        source="front_desk",
    ).pk


@provides("attendance-daily", "day")
def attendance_day(ctx):
    return timezone.now().astimezone(ctx.gym.tz).date().isoformat()
