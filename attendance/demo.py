"""Demo visits for `manage.py seed_demo`: idempotent."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from members.models import Member

from .models import Attendance, AttendanceResult, AttendanceSource

DEMO_DAYS = 21
DEMO_MEMBERS = 10


@transaction.atomic
def seed_demo(gym) -> int:
    """A few past visits for members with an active membership who have none yet (no
    members yet: nothing to do). Returns how many visits it wrote."""
    tz = gym.tz
    today = timezone.now().astimezone(tz).date()
    candidates = (
        Member.objects.select_for_update()
        .filter(gym=gym, is_active=True, expires_on__gte=today)
        .exclude(Exists(Attendance.objects.filter(member=OuterRef("pk"))))
        .order_by("pk")[:DEMO_MEMBERS]
    )
    rows = []
    for index, member in enumerate(candidates):
        last = None
        for days_ago in range(DEMO_DAYS, 0, -1):
            # A steady pattern per member: every second or third day, at their usual hour.
            if (days_ago + index) % (2 + index % 2):
                continue
            day = today - timedelta(days=days_ago)
            if member.status_on(day) != "active":
                continue
            at = datetime.combine(day, time(6 + (index * 3) % 15, (index * 7) % 60), tzinfo=tz)
            rows.append(
                Attendance(
                    member=member,
                    gym=gym,
                    check_in_at=at,
                    check_out_at=at + timedelta(minutes=75),
                    local_date=day,
                    result=AttendanceResult.GRANTED,
                    source=AttendanceSource.FRONT_DESK,
                )
            )
            last = at
        if last is not None and (member.last_visit_at is None or last > member.last_visit_at):
            Member.objects.filter(pk=member.pk).update(last_visit_at=last)
    Attendance.objects.bulk_create(rows)
    return len(rows)
