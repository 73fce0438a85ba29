"""gymsite.accounts.gymtime: "today" per gym for querysets, one branch per time zone."""

from datetime import UTC, date, datetime

import pytest
from django.db.models import Q

from gymsite.accounts.gymtime import gym_todays, per_gym_today_q
from members.models import Member
from tests.factories import GymFactory, MemberFactory


@pytest.mark.django_db
def test_each_gym_filters_on_its_own_today():
    # 2026-03-01 03:00 UTC: still 28 February in Mexico City, already 1 March in Madrid.
    now = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    mexico = GymFactory(name="Mexico", time_zone="America/Mexico_City")
    madrid = GymFactory(name="Madrid", time_zone="Europe/Madrid")
    assert gym_todays([mexico, madrid], now) == {mexico.pk: date(2026, 2, 28), madrid.pk: date(2026, 3, 1)}
    # Both expire on 28 February: still covered today in Mexico City, not in Madrid.
    in_mexico = MemberFactory(gym=mexico, expires_on=date(2026, 2, 28))
    MemberFactory(gym=madrid, expires_on=date(2026, 2, 28))
    covered = Member.objects.filter(per_gym_today_q(lambda today: Q(expires_on__gte=today), now=now))
    assert list(covered) == [in_mexico]


@pytest.mark.django_db
def test_one_branch_per_zone_and_one_query(django_assert_num_queries):
    now = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    for index in range(4):
        GymFactory(name=f"Mexico {index}", time_zone="America/Mexico_City")
    GymFactory(name="Madrid", time_zone="Europe/Madrid")
    seen: list[date] = []

    def build(today: date) -> Q:
        seen.append(today)
        return Q(pk__gte=1)

    with django_assert_num_queries(1):
        per_gym_today_q(build, now=now)
    assert sorted(seen) == [date(2026, 2, 28), date(2026, 3, 1)]
