"""Reads over attendance that are more than a filter: summaries, occupancy, statistics.

Only granted check-ins are visits; denied rows never count here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from gymsite.accounts.gymtime import gym_todays
from gymsite.accounts.models import Gym
from gymsite.core.localtime import local_date
from gymsite.core.timefmt import format_visit_time
from members.models import Member

from .models import Attendance, AttendanceResult

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def attendance_queryset() -> QuerySet[Attendance]:
    """Rows with everything their serializer shows, in one query."""
    return Attendance.objects.select_related("member", "gym", "recorded_by")


def visits() -> QuerySet[Attendance]:
    return Attendance.objects.filter(result=AttendanceResult.GRANTED)


# --- A member's summary -----------------------------------------------------------------


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_streaks(days, today: date) -> tuple[int, int]:
    """(longest, current) runs of consecutive ISO weeks with at least one visit.

    The current streak ends this week, or last week while this week has no visit yet —
    the week is not over, so a member who came every week so far still has their streak.
    """
    weeks = sorted({_week_start(d) for d in days})
    longest = run = 0
    previous = None
    runs_end: dict[date, int] = {}
    for week in weeks:
        run = run + 1 if previous is not None and week - previous == timedelta(days=7) else 1
        runs_end[week] = run
        longest = max(longest, run)
        previous = week
    this_week = _week_start(today)
    current = runs_end.get(this_week) or runs_end.get(this_week - timedelta(days=7), 0)
    return longest, current


def member_summary(*, member: Member, now: datetime | None = None) -> dict:
    """Seed 001's attendance summary for one member, in their gym's time zone."""
    now = now or timezone.now()
    tz = member.gym.tz
    today = member.local_today(now)
    member_visits = visits().filter(member=member)
    totals = member_visits.aggregate(
        total=Count("id"),
        last_30=Count("id", filter=Q(local_date__gte=today - timedelta(days=29))),
        first=Min("check_in_at"),
        last=Max("check_in_at"),
    )
    days = list(member_visits.order_by().values_list("local_date", flat=True).distinct())
    longest, current = week_streaks(days, today)

    first_visit_day = local_date(totals["first"], tz) if totals["first"] else None
    starts = [d for d in (member.membership_since, first_visit_day) if d is not None]
    since = min(starts) if starts else None
    if since is not None and since <= today:
        weeks = max(((today - since).days + 1) / 7, 1.0)
        average = round(totals["total"] / weeks, 2)
    else:
        average = 0.0
    return {
        "member_id": member.pk,
        "member_name": member.full_name,
        "total_visits": totals["total"],
        "visits_last_30_days": totals["last_30"],
        "first_visit_at": totals["first"],
        "last_visit_at": totals["last"],
        "last_visit_display": format_visit_time(totals["last"], tz),
        "since": since,
        "average_visits_per_week": average,
        "longest_streak_weeks": longest,
        "current_streak_weeks": current,
    }


# --- Who is inside ------------------------------------------------------------------------


def occupancy(*, gyms: list[Gym], now: datetime | None = None) -> dict:
    """Members inside now, per gym: granted today (gym-local), not checked out, and — for
    those who never check out — still within the gym's default stay."""
    now = now or timezone.now()
    todays = gym_todays(gyms, now)
    inside = Q(pk__in=[])
    for gym in gyms:
        # One branch per gym, not per time zone: each gym has its own default stay.
        inside |= Q(
            gym_id=gym.pk,
            local_date=todays[gym.pk],
            check_in_at__lte=now,
            check_in_at__gt=now - timedelta(minutes=gym.default_stay_minutes),
        )
    rows = list(
        visits()
        .filter(inside, check_out_at__isnull=True)
        .select_related("member", "gym")
        .order_by("-check_in_at", "-id")
    )
    per_gym = defaultdict(int)
    for row in rows:
        per_gym[row.gym_id] += 1
    return {
        "at": now,
        "count": len(rows),
        "gyms": [
            {"gym": gym.pk, "gym_name": gym.name, "count": per_gym.get(gym.pk, 0)} for gym in gyms
        ],
        "results": rows,
    }


def expected_leave_at(row: Attendance) -> datetime:
    return row.check_in_at + timedelta(minutes=row.gym.default_stay_minutes)


# --- Statistics ---------------------------------------------------------------------------


def attendance_stats(*, gyms: list[Gym], date_from: date, date_to: date) -> dict:
    """Visits per gym-local day and a weekday × hour heatmap in each gym's own time zone.

    The heatmap is grouped in the database: one query per distinct time zone among the
    gyms, converting `check_in_at` with the zone (AT TIME ZONE on PostgreSQL)."""
    in_range = visits().filter(
        gym__in=[g.pk for g in gyms], local_date__gte=date_from, local_date__lte=date_to
    )
    per_day = dict(
        in_range.order_by().values("local_date").annotate(n=Count("id")).values_list("local_date", "n")
    )
    days = []
    day = date_from
    while day <= date_to:
        days.append({"date": day, "visits": per_day.get(day, 0)})
        day += timedelta(days=1)

    heatmap = [[0] * 24 for _ in range(7)]
    gyms_by_zone: dict[str, list[int]] = defaultdict(list)
    for gym in gyms:
        gyms_by_zone[gym.time_zone].append(gym.pk)
    for zone_gyms in gyms_by_zone.values():
        tz = next(g.tz for g in gyms if g.pk == zone_gyms[0])
        buckets = (
            in_range.filter(gym__in=zone_gyms)
            .order_by()
            .annotate(
                weekday=ExtractIsoWeekDay("check_in_at", tzinfo=tz),
                hour=ExtractHour("check_in_at", tzinfo=tz),
            )
            .values("weekday", "hour")
            .annotate(n=Count("id"))
            .values_list("weekday", "hour", "n")
        )
        for weekday, hour, n in buckets:
            heatmap[weekday - 1][hour] += n
    return {
        "date_from": date_from,
        "date_to": date_to,
        "total_visits": sum(per_day.values()),
        "per_day": days,
        "weekdays": WEEKDAYS,
        "heatmap": heatmap,
    }
