"""Gym-local wall times to instants, one stated way across daylight-saving changes.

A weekly class keeps its wall-clock time: a 07:00 class is at 07:00 local before and after
the change (so its UTC instant moves by an hour). A local time that does not exist or
occurs twice in the gym's zone is resolved as RFC 5545 (iCalendar, 3.3.5) resolves it,
which is also what a phone's calendar does with the feed:

- nonexistent (spring forward, Europe/Madrid 2026-03-29 02:30): read with the offset
  before the gap, so the class starts that much later on the new clock: 03:30 CEST;
- ambiguous (fall back, Europe/Madrid 2026-10-25 02:30): the first occurrence, 02:30
  CEST (00:30 UTC), not the second (02:30 CET, an hour later).

With `zoneinfo` both are `fold=0` (PEP 495). Pure functions, tested without a database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo


def local_start(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC instant a class at wall time `at` on `day` in `tz` starts (see above)."""
    return datetime.combine(day, at.replace(tzinfo=None, fold=0)).replace(tzinfo=tz, fold=0).astimezone(UTC)


def wall_time(moment: datetime, tz: tzinfo) -> tuple[date, time]:
    """The gym-local day and wall time of an instant."""
    local = moment.astimezone(tz)
    return local.date(), local.time().replace(tzinfo=None, fold=0)


def weekly_dates(weekday: int, first: date, last: date) -> list[date]:
    """Every `weekday` (0 = Monday) from `first` to `last`, inclusive."""
    if last < first:
        return []
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    days = []
    while day <= last:
        days.append(day)
        day += timedelta(days=7)
    return days


def week_bounds(day: date) -> tuple[date, date]:
    """Monday and Sunday of `day`'s week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)
