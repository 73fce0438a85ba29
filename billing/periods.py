"""Membership-period arithmetic: pure functions of dates, no database and no Django.

A period covers `starts_on` through `expires_on`, both days included. The functions take
any objects with `pk`, `starts_on` and `expires_on` (memberships, or plain stand-ins in
the unit tests) and never write: billing's services decide, lock and save.

The timeline of a member's active periods keeps two invariants (checked by the
membership services with `first_overlap` and `live_runs`):
- no two periods overlap;
- at most one run of consecutive periods ends today or later, so a new period while the
  member is covered starts at most the day after the last expiry (`next_start`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from dateutil.relativedelta import relativedelta

ONE_DAY = timedelta(days=1)
UNITS = ("day", "week", "month", "year")


class Period(Protocol):
    pk: int | None
    starts_on: date
    expires_on: date


class Terms(Protocol):
    """What a plan sells: a duration and a price."""

    duration_count: int
    duration_unit: str
    price: Decimal


P = TypeVar("P", bound=Period)


def period_end(*, starts_on: date, count: int, unit: str) -> date:
    """`starts_on` plus `count` `unit`s: the period's `expires_on`, its last day covered.

    Seeds 001 (expiration = start + duration_days) and 002 (vencimiento = fecha + periodo,
    and the member still enters on the vencimiento day) make the period end on the day
    the duration reaches, not the day before: a 1-day plan bought today expires tomorrow,
    1 week from a Monday expires the next Monday. Months and years are calendar ones
    (relativedelta clamps to the month's last day): Jan 1 + 1 month = Feb 1; Jan 31 +
    1 month = Feb 28 (29 in a leap year); 2028-02-29 + 1 year = 2029-02-28. A renewal
    starts the day after, so Jan 1 + 1 month covers Jan 1–Feb 1 and the next month
    starts Feb 2."""
    if unit not in UNITS:
        raise ValueError(f"unknown duration unit {unit!r}")
    return starts_on + relativedelta(**{f"{unit}s": count})


def span_days(first: date, last: date) -> int:
    """Days from `first` through `last`, both included."""
    return (last - first).days + 1


def length_in_days(*, starts_on: date, count: int, unit: str) -> int:
    """Days covered by a period starting on `starts_on` (a 1-month period from Jan 1
    covers 32 days: Jan 1–Feb 1)."""
    return span_days(starts_on, period_end(starts_on=starts_on, count=count, unit=unit))


def is_upgrade(*, starts_on: date, current: Terms, new: Terms) -> bool:
    """Seed 001's upgrade: a longer duration or a higher price. Lengths are compared in
    days from the period's start, so calendar months compare exactly (from Feb 1, a
    30-day plan is longer than a 1-month one)."""

    def days(terms: Terms) -> int:
        return length_in_days(starts_on=starts_on, count=terms.duration_count, unit=terms.duration_unit)

    return days(new) > days(current) or new.price > current.price


def sort_key(period: Period) -> tuple[date, int]:
    """Start order; a period not saved yet sorts after saved ones of the same day."""
    return (period.starts_on, period.pk or 10**18)


@dataclass
class Run(Generic[P]):
    """Consecutive periods: each starts at most the day after the run's end so far."""

    start: date
    end: date
    items: list[P] = field(default_factory=list)


def runs(periods: Iterable[P]) -> list[Run[P]]:
    out: list[Run[P]] = []
    for p in sorted(periods, key=sort_key):
        if out and p.starts_on <= out[-1].end + ONE_DAY:
            out[-1].items.append(p)
            out[-1].end = max(out[-1].end, p.expires_on)
        else:
            out.append(Run(p.starts_on, p.expires_on, [p]))
    return out


def first_overlap(periods: Iterable[P]) -> P | None:
    """The first period (in start order) that starts on a day an earlier one covers."""
    last_end: date | None = None
    for p in sorted(periods, key=sort_key):
        if last_end is not None and p.starts_on <= last_end:
            return p
        last_end = p.expires_on if last_end is None else max(last_end, p.expires_on)
    return None


def live_runs(periods: Iterable[P], today: date) -> list[Run[P]]:
    """The runs that end today or later (more than one is a gap in the coverage)."""
    return [r for r in runs(periods) if r.end >= today]


def next_start(periods: Iterable[Period], today: date) -> date:
    """Where a renewal starts: the day after the last expiry when that is today or later
    (renewing early stacks), else today."""
    last_end = max((p.expires_on for p in periods), default=None)
    if last_end is not None and last_end + ONE_DAY >= today:
        return last_end + ONE_DAY
    return today


def covering(periods: Iterable[P], day: date) -> P | None:
    return next((p for p in periods if p.starts_on <= day <= p.expires_on), None)


def stacked_after(target: Period, periods: Iterable[P]) -> list[P]:
    """The periods chained right after `target` (each starting at most the day after the
    previous one ends): they move with it when its expiry moves."""
    chain: list[P] = []
    end = target.expires_on
    for p in sorted(periods, key=sort_key):
        if p.pk == target.pk or sort_key(p) <= sort_key(target):
            continue
        if p.starts_on > end + ONE_DAY:
            break
        chain.append(p)
        end = max(end, p.expires_on)
    return chain


def summary_run(periods: Sequence[P], today: date) -> Run[P] | None:
    """The run a member's summary shows: the one covering today, else the next one, else
    the last past one (None without periods)."""
    all_runs = runs(periods)
    if not all_runs:
        return None
    return (
        next((r for r in all_runs if r.start <= today <= r.end), None)
        or next((r for r in all_runs if r.start > today), None)
        or all_runs[-1]
    )


def pause_resumed(*, paused_from: date, paused_until: date, today: date) -> tuple[date, int]:
    """A pause ended today: its new last paused day (yesterday, or the day before it
    started when it had not started: cancelled whole) and the days given back."""
    new_until = max(today - ONE_DAY, paused_from - ONE_DAY)
    return new_until, (paused_until - new_until).days
