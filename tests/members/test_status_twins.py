"""`member_status_q` (SQL, for list filters) and `Member.status_on` (Python, for each row)
must answer alike for every summary billing can write, on every day around its edges:
the first and last day of the period, of the pause, and of the membership history. So
must `member_paused_q` and `Member.paused_on`; and the check-in's refusal, built on them,
must say on each of those days what the member's status (in SQL) means at the door."""

import datetime as dt
import itertools

import pytest

from attendance.models import DenialReason
from attendance.services import check_in_refusal
from members.models import Member, MemberStatus
from members.selectors import member_paused_q, member_status_q
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


def _sql_status(member, day):
    """The one status whose SQL form matches the member on `day`."""
    matching = [
        status
        for status in MemberStatus.values
        if Member.objects.filter(member_status_q(status, day), pk=member.pk).exists()
    ]
    assert len(matching) == 1, (day, matching)
    return matching[0]


@pytest.mark.parametrize("summary", list(_configurations()))
def test_status_in_sql_matches_status_on(gym, summary):
    member = MemberFactory(gym=gym, **summary)
    for day in _edge_days(summary):
        assert _sql_status(member, day) == member.status_on(day), (day, summary)


@pytest.mark.parametrize("summary", list(_configurations()))
def test_paused_in_sql_matches_paused_on(gym, summary):
    member = MemberFactory(gym=gym, **summary)
    for day in _edge_days(summary):
        in_sql = Member.objects.filter(member_paused_q(day), pk=member.pk).exists()
        assert in_sql == member.paused_on(day), (day, summary)


# Seed 002 at the door: what each status means, in this order of precedence.
AT_THE_DOOR = {
    MemberStatus.ACTIVE: None,
    MemberStatus.PENDING: DenialReason.NO_MEMBERSHIP,
    MemberStatus.PAUSED: DenialReason.MEMBERSHIP_PAUSED,
    MemberStatus.EXPIRED: DenialReason.MEMBERSHIP_EXPIRED,
}


@pytest.mark.parametrize("is_active", [True, False], ids=["active", "inactive"])
@pytest.mark.parametrize("summary", list(_configurations()))
def test_check_in_refusal_follows_the_status_in_sql(gym, summary, is_active):
    member = MemberFactory(gym=gym, is_active=is_active, **summary)
    for day in _edge_days(summary):
        status = _sql_status(member, day)
        paused = Member.objects.filter(member_paused_q(day), pk=member.pk).exists()
        if not is_active:
            expected = DenialReason.MEMBER_INACTIVE  # whatever the membership
        elif status == MemberStatus.EXPIRED and paused:
            expected = DenialReason.MEMBERSHIP_PAUSED  # a pause past the end of the period
        else:
            expected = AT_THE_DOOR[status]
        assert check_in_refusal(member, day) == expected, (day, summary, status)
