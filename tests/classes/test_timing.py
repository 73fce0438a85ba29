"""The wall-time arithmetic, without a database: Europe/Madrid's spring and autumn
changes of 2026 (29 March 02:00 → 03:00; 25 October 03:00 → 02:00)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from classes.timing import local_start, wall_time, week_bounds, weekly_dates

MADRID = ZoneInfo("Europe/Madrid")


def test_a_seven_oclock_class_stays_at_seven_local_across_both_changes():
    # Sundays around the spring change: 07:00 CET is 06:00 UTC, 07:00 CEST is 05:00 UTC.
    assert local_start(date(2026, 3, 22), time(7), MADRID) == datetime(2026, 3, 22, 6, 0, tzinfo=UTC)
    assert local_start(date(2026, 3, 29), time(7), MADRID) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    # And around the autumn change, back to 06:00 UTC.
    assert local_start(date(2026, 10, 18), time(7), MADRID) == datetime(2026, 10, 18, 5, 0, tzinfo=UTC)
    assert local_start(date(2026, 10, 25), time(7), MADRID) == datetime(2026, 10, 25, 6, 0, tzinfo=UTC)


def test_a_time_that_does_not_exist_moves_forward_by_the_gap():
    # 02:30 on 29 March 2026 never happens in Madrid: read with the offset before the gap
    # (+01:00), it is 01:30 UTC, which the clocks show as 03:30 CEST.
    start = local_start(date(2026, 3, 29), time(2, 30), MADRID)
    assert start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert wall_time(start, MADRID) == (date(2026, 3, 29), time(3, 30))


def test_a_time_that_occurs_twice_takes_the_first_occurrence():
    # 02:30 on 25 October 2026 happens twice: first in CEST (00:30 UTC), then in CET.
    start = local_start(date(2026, 10, 25), time(2, 30), MADRID)
    assert start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert start.astimezone(MADRID).utcoffset().total_seconds() == 7200


def test_weekly_dates_and_week_bounds():
    assert weekly_dates(0, date(2026, 3, 25), date(2026, 4, 13)) == [date(2026, 3, 30), date(2026, 4, 6), date(2026, 4, 13)]
    assert weekly_dates(2, date(2026, 3, 25), date(2026, 3, 25)) == [date(2026, 3, 25)]
    assert weekly_dates(2, date(2026, 3, 26), date(2026, 3, 25)) == []
    assert week_bounds(date(2026, 3, 29)) == (date(2026, 3, 23), date(2026, 3, 29))
