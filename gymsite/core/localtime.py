"""Gym-local days. "Today" for a member always means today in their gym's time zone
(DESIGN.md), never the server's or UTC's: one set of helpers so every app agrees on where
a day begins and ends."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

from django.utils import timezone


def _zone(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def local_today(tz: tzinfo | str, now: datetime | None = None) -> date:
    """Today in `tz` (an IANA name or a tzinfo); `now` pins the clock for reports."""
    return local_date(now or timezone.now(), tz)


def local_date(moment: datetime, tz: tzinfo | str) -> date:
    """The calendar day an aware `moment` falls on in `tz`."""
    return moment.astimezone(_zone(tz)).date()


def local_midnight(day: date, tz: tzinfo | str) -> datetime:
    """The aware instant `day` begins in `tz`: the bound for "paid on or after day"."""
    return datetime.combine(day, time.min, tzinfo=_zone(tz))
