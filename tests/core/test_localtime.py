"""The gym-local day helpers every app uses for "today"."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from gymsite.core.localtime import local_date, local_midnight, local_today

MX = ZoneInfo("America/Mexico_City")  # UTC-6


def test_local_today_follows_the_zone_not_utc():
    # 03:30 UTC on the 16th is still the evening of the 15th in Mexico City.
    with time_machine.travel(datetime(2024, 5, 16, 3, 30, tzinfo=UTC), tick=False):
        assert local_today(MX) == date(2024, 5, 15)
        assert local_today("America/Mexico_City") == date(2024, 5, 15)
        assert local_today("Europe/Madrid") == date(2024, 5, 16)


def test_local_today_with_a_pinned_clock():
    assert local_today(MX, datetime(2024, 1, 1, 5, 59, tzinfo=UTC)) == date(2023, 12, 31)
    assert local_today(MX, datetime(2024, 1, 1, 6, 0, tzinfo=UTC)) == date(2024, 1, 1)


def test_local_date_and_midnight_agree():
    midnight = local_midnight(date(2024, 5, 15), MX)
    assert midnight == datetime(2024, 5, 15, 6, 0, tzinfo=UTC)
    assert local_date(midnight, MX) == date(2024, 5, 15)
    assert local_date(midnight - timedelta(microseconds=1), MX) == date(2024, 5, 14)
