"""`member_status_q` (SQL, for list filters) and `Member.status_on` (Python, for each row)
must answer alike for every summary billing can write, on every day around its edges:
the first and last day of the period, of the pause, and of the membership history."""

import datetime as dt
import itertools

import pytest

from members.models import Member, MemberStatus
from members.selectors import member_status_q
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

S = dt.date(2026, 3, 10)  # the current period's first day in every configuration
D = dt.timedelta(days=1)

SINCE = {"never": None, "earlier": S - 40 * D, "same_day": S}
PERIODS = {"none": (None, None), "one_day": (S, S), "month": (S, S + 30 * D), "no_start": (None, S + 30 * D)}
PAUSES = {
    "none": (None, None),
    "first_day": (S, S),
    "middle": (S + 5 * D, S + 9 * D),
    "last_day": (S + 30 * D, S + 30 * D),
    "past_the_end": (S + 25 * D, S + 40 * D),
}


def _configurations():
    for (since_name, since), (period_name, (starts, expires)), (pause_name, (p_from, p_until)) in itertools.product(
        SINCE.items(), PERIODS.items(), PAUSES.items()
    ):
        if expires is None and (since is not None or p_from is not None):
            continue  # billing writes no since or pause without a period
        if since is not None and starts is not None and since > starts:
            continue  # since is the first period's start: never after the current one
        yield pytest.param(
            {
                "membership_since": since,
                "membership_starts_on": starts,
                "expires_on": expires,
                "paused_from": p_from,
                "paused_until": p_until,
            },
            id=f"since_{since_name}-{period_name}-pause_{pause_name}",
        )


def _edge_days(summary):
    marks = {S, S + 30 * D, S + 40 * D}
    marks |= {v for v in summary.values() if v is not None}
    return sorted({m + k * D for m in marks for k in (-1, 0, 1)})


@pytest.mark.parametrize("summary", list(_configurations()))
def test_status_in_sql_matches_status_on(gym, summary):
    member = MemberFactory(gym=gym, **summary)
    for day in _edge_days(summary):
        expected = member.status_on(day)
        matching = [
            status
            for status in MemberStatus.values
            if Member.objects.filter(member_status_q(status, day), pk=member.pk).exists()
        ]
        assert matching == [expected], (day, summary)
