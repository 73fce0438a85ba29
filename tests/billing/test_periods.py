"""billing.periods: the membership-period arithmetic, pure (no database: pytest-django
refuses any query from these tests)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from billing import periods


@dataclass
class P:
    """A period stand-in: what the functions read of a membership."""

    pk: int | None
    starts_on: date
    expires_on: date


@dataclass
class Terms:
    duration_count: int
    duration_unit: str
    price: Decimal


# --- period_end: calendar edges -----------------------------------------------------------


@pytest.mark.parametrize(
    "start, count, unit, end",
    [
        # months: calendar ones, clamped to the month's last day
        (date(2026, 1, 1), 1, "month", date(2026, 2, 1)),
        (date(2026, 1, 31), 1, "month", date(2026, 2, 28)),  # Jan 31 + 1 month = Feb 28
        (date(2028, 1, 31), 1, "month", date(2028, 2, 29)),  # ... or 29 in a leap year
        (date(2026, 1, 30), 1, "month", date(2026, 2, 28)),
        (date(2026, 1, 31), 2, "month", date(2026, 3, 31)),  # not Feb 28 + 1 month
        (date(2026, 3, 31), 1, "month", date(2026, 4, 30)),
        (date(2026, 5, 31), 1, "month", date(2026, 6, 30)),
        (date(2026, 8, 31), 6, "month", date(2027, 2, 28)),
        (date(2027, 8, 31), 6, "month", date(2028, 2, 29)),
        (date(2026, 2, 28), 1, "month", date(2026, 3, 28)),  # a month end stays the 28th
        (date(2028, 2, 29), 1, "month", date(2028, 3, 29)),
        (date(2026, 12, 31), 2, "month", date(2027, 2, 28)),
        (date(2026, 11, 15), 3, "month", date(2027, 2, 15)),  # across the year
        (date(2026, 1, 15), 12, "month", date(2027, 1, 15)),
        (date(2026, 1, 15), 3, "month", date(2026, 4, 15)),
        # years and leap days
        (date(2026, 3, 1), 1, "year", date(2027, 3, 1)),
        (date(2028, 2, 29), 1, "year", date(2029, 2, 28)),  # no Feb 29 in 2029
        (date(2028, 2, 29), 4, "year", date(2032, 2, 29)),
        (date(2028, 2, 29), 12, "month", date(2029, 2, 28)),  # 12 months = 1 year
        (date(2096, 2, 29), 4, "year", date(2100, 2, 28)),  # 2100 is not a leap year
        (date(2027, 3, 1), 1, "year", date(2028, 3, 1)),
        (date(2026, 12, 31), 1, "year", date(2027, 12, 31)),
        # weeks
        (date(2026, 1, 5), 1, "week", date(2026, 1, 12)),  # Monday to the next Monday
        (date(2026, 1, 1), 2, "week", date(2026, 1, 15)),
        (date(2026, 12, 28), 1, "week", date(2027, 1, 4)),
        (date(2028, 2, 25), 1, "week", date(2028, 3, 3)),  # through Feb 29
        (date(2026, 1, 1), 52, "week", date(2026, 12, 31)),
        # days
        (date(2026, 1, 1), 1, "day", date(2026, 1, 2)),  # a 1-day plan bought today expires tomorrow
        (date(2026, 2, 28), 1, "day", date(2026, 3, 1)),
        (date(2028, 2, 28), 1, "day", date(2028, 2, 29)),
        (date(2026, 12, 31), 1, "day", date(2027, 1, 1)),
        (date(2026, 1, 1), 365, "day", date(2027, 1, 1)),
        (date(2028, 1, 1), 365, "day", date(2028, 12, 31)),
    ],
)
def test_period_end(start, count, unit, end):
    assert periods.period_end(starts_on=start, count=count, unit=unit) == end


def test_period_end_refuses_an_unknown_unit():
    with pytest.raises(ValueError):
        periods.period_end(starts_on=date(2026, 1, 1), count=1, unit="fortnight")


@pytest.mark.parametrize(
    "count, unit, start, days",
    [
        (1, "day", date(2026, 1, 1), 2),  # today and tomorrow
        (1, "week", date(2026, 1, 5), 8),
        (1, "month", date(2026, 1, 1), 32),  # Jan 1 – Feb 1
        (1, "month", date(2026, 1, 31), 29),  # Jan 31 – Feb 28
        (1, "month", date(2028, 1, 31), 30),  # Jan 31 – Feb 29
        (1, "month", date(2026, 2, 1), 29),  # Feb 1 – Mar 1
        (1, "month", date(2028, 2, 1), 30),
        (1, "year", date(2026, 1, 1), 366),
        (1, "year", date(2028, 1, 1), 367),  # a leap year
        (1, "year", date(2028, 2, 29), 366),  # Feb 29 2028 – Feb 28 2029
    ],
)
def test_length_in_days_counts_both_ends(count, unit, start, days):
    assert periods.length_in_days(starts_on=start, count=count, unit=unit) == days


def test_span_days():
    assert periods.span_days(date(2026, 1, 1), date(2026, 1, 1)) == 1
    assert periods.span_days(date(2028, 2, 28), date(2028, 3, 1)) == 3


# --- the upgrade rule ----------------------------------------------------------------------


MONTH = Terms(1, "month", Decimal("500.00"))


@pytest.mark.parametrize(
    "new, start, upgrade",
    [
        (Terms(2, "month", Decimal("400.00")), date(2026, 1, 1), True),  # longer, cheaper
        (Terms(1, "month", Decimal("900.00")), date(2026, 1, 1), True),  # pricier
        (Terms(2, "week", Decimal("300.00")), date(2026, 1, 1), False),  # shorter and cheaper
        (Terms(1, "month", Decimal("500.00")), date(2026, 1, 1), False),  # the same terms
        # 30 days against one calendar month: the start decides.
        (Terms(30, "day", Decimal("500.00")), date(2026, 2, 1), True),  # Feb 1 – Mar 1 is 29 days
        (Terms(30, "day", Decimal("500.00")), date(2026, 1, 1), False),  # Jan 1 – Feb 1 is 32 days
        (Terms(31, "day", Decimal("500.00")), date(2026, 1, 1), False),  # 32 days each: not longer
        (Terms(4, "week", Decimal("500.00")), date(2026, 2, 1), False),  # 29 days each in 2026
        (Terms(4, "week", Decimal("500.00")), date(2027, 2, 1), False),
    ],
)
def test_is_upgrade(new, start, upgrade):
    assert periods.is_upgrade(starts_on=start, current=MONTH, new=new) is upgrade


# --- the timeline ---------------------------------------------------------------------------


JAN = P(1, date(2026, 1, 1), date(2026, 2, 1))
FEB = P(2, date(2026, 2, 2), date(2026, 3, 2))  # stacked on JAN
APR = P(3, date(2026, 4, 1), date(2026, 5, 1))  # after a gap


def test_runs_join_stacked_periods_and_split_at_gaps():
    runs = periods.runs([APR, FEB, JAN])
    assert [(r.start, r.end, [p.pk for p in r.items]) for r in runs] == [
        (date(2026, 1, 1), date(2026, 3, 2), [1, 2]),
        (date(2026, 4, 1), date(2026, 5, 1), [3]),
    ]
    assert periods.runs([]) == []


def test_first_overlap():
    assert periods.first_overlap([JAN, FEB, APR]) is None
    clash = P(None, date(2026, 2, 1), date(2026, 2, 10))  # starts on JAN's last day
    assert periods.first_overlap([FEB, clash, JAN]) is clash
    inside = P(4, date(2026, 1, 10), date(2026, 1, 12))
    assert periods.first_overlap([JAN, inside]) is inside


def test_live_runs_are_those_ending_today_or_later():
    assert len(periods.live_runs([JAN, FEB, APR], date(2026, 1, 15))) == 2  # a gap ahead
    assert len(periods.live_runs([JAN, FEB, APR], date(2026, 3, 3))) == 1
    assert periods.live_runs([JAN], date(2026, 2, 2)) == []


@pytest.mark.parametrize(
    "today, start",
    [
        (date(2026, 1, 15), date(2026, 3, 3)),  # covered: the day after the last expiry
        (date(2026, 3, 2), date(2026, 3, 3)),  # the last day: still stacks
        (date(2026, 3, 3), date(2026, 3, 3)),  # the day after: starts today
        (date(2026, 3, 10), date(2026, 3, 10)),  # lapsed: today
    ],
)
def test_next_start(today, start):
    assert periods.next_start([JAN, FEB], today) == start


def test_next_start_without_periods_is_today():
    assert periods.next_start([], date(2028, 2, 29)) == date(2028, 2, 29)


def test_covering():
    assert periods.covering([JAN, FEB], date(2026, 2, 1)) is JAN  # the expiry day is covered
    assert periods.covering([JAN, FEB], date(2026, 2, 2)) is FEB
    assert periods.covering([JAN, FEB], date(2026, 3, 3)) is None


def test_stacked_after_follows_the_chain_until_a_gap():
    assert periods.stacked_after(JAN, [APR, FEB, JAN]) == [FEB]
    assert periods.stacked_after(FEB, [JAN, FEB, APR]) == []
    mar = P(5, date(2026, 3, 3), date(2026, 3, 31))
    assert periods.stacked_after(JAN, [JAN, FEB, mar, APR]) == [FEB, mar, APR]  # Apr 1 follows Mar 31


def test_summary_run_prefers_today_then_the_next_then_the_last():
    assert periods.summary_run([], date(2026, 1, 1)) is None
    timeline = [JAN, FEB, APR]
    assert periods.summary_run(timeline, date(2026, 2, 20)).items == [JAN, FEB]
    assert periods.summary_run(timeline, date(2026, 3, 15)).items == [APR]  # between runs: the next
    assert periods.summary_run(timeline, date(2026, 6, 1)).items == [APR]  # all past: the last
    assert periods.summary_run(timeline, date(2025, 12, 1)).items == [JAN, FEB]


@pytest.mark.parametrize(
    "paused_from, paused_until, today, new_until, unused",
    [
        (date(2026, 3, 1), date(2026, 3, 14), date(2026, 3, 5), date(2026, 3, 4), 10),  # mid-pause
        (date(2026, 3, 1), date(2026, 3, 14), date(2026, 3, 1), date(2026, 2, 28), 14),  # day one
        (date(2026, 3, 10), date(2026, 3, 14), date(2026, 3, 5), date(2026, 3, 9), 5),  # not started
        (date(2026, 3, 1), date(2026, 3, 14), date(2026, 3, 14), date(2026, 3, 13), 1),  # last day
        (date(2028, 2, 28), date(2028, 3, 5), date(2028, 3, 1), date(2028, 2, 29), 5),  # leap day
    ],
)
def test_pause_resumed(paused_from, paused_until, today, new_until, unused):
    assert periods.pause_resumed(paused_from=paused_from, paused_until=paused_until, today=today) == (
        new_until,
        unused,
    )
