"""The dashboard's figures against a month of known rows, at a pinned clock, in the gym's
time zone; and a fixed number of queries however many rows there are."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from dashboard.selectors import CHART_DAYS, dashboard_figures
from tests.factories import MemberFactory

from .data import NOW, TODAY, build_month, payment, utc, visit

pytestmark = pytest.mark.django_db

# Members, renewals, payments + sales, the expiring list, check-ins per day, the heatmap,
# who is inside, low stock, terminals (10); the backups' overview (7, backups.selectors).
QUERIES = 17


def test_the_figures_of_a_month(gym, other_gym):
    month = build_month(gym)
    build_month(other_gym)  # another gym's rows count nowhere
    board = dashboard_figures(gym=gym, now=NOW)

    assert board.today == TODAY and board.month_start == date(2026, 3, 1)
    # Ana and Gil (covered through today); Carla, and Bruno whose next period starts on the
    # 31st after a lapse; Dora; Eva; Fede, switched off.
    assert board.members == {"active": 2, "expired": 2, "pending": 1, "paused": 1, "inactive": 1, "total": 7}
    # Ana (Mar 3) and Bruno (00:30 on Mar 1 at the gym); not Carla (23:30 on Feb 28 there).
    assert board.new_members == 2
    assert board.renewals == 1  # Bruno's second period; Ana's first is not a renewal

    assert board.this_month.payments == {"cash": Decimal("500.00"), "card": Decimal("300.00")}
    assert board.this_month.sales == {"cash": Decimal("50.00")}
    assert board.this_month.total == Decimal("850.00")
    assert board.last_month.payments == {"cash": Decimal("200.00"), "card": Decimal("100.00")}
    assert board.last_month_to_date.total == Decimal("100.00")  # Feb 1 to Feb 15
    per_day = dict(board.revenue_per_day)
    assert len(per_day) == CHART_DAYS and max(per_day) == TODAY
    assert per_day[date(2026, 3, 1)] == Decimal("500.00")
    assert per_day[date(2026, 2, 28)] == Decimal("200.00")
    assert per_day[date(2026, 3, 14)] == Decimal("50.00")
    assert per_day[date(2026, 3, 11)] == 0  # the void payment

    # Expiring from today through 7 days, active members only, soonest first.
    assert [m.first_name for m in board.expiring] == ["Gil", "Ana"] and board.expiring_count == 2

    assert board.checkins_today == 2  # the denied one is no visit
    assert [row.member.first_name for row in board.inside] == ["Ana"]
    visits = dict(board.checkins_per_day)
    assert len(visits) == CHART_DAYS and visits[TODAY] == 2 and visits[date(2026, 3, 13)] == 1
    # Friday 21:00 at the gym (03:00 UTC on Saturday); Sunday 08:00 and 11:30.
    assert board.heatmap[4][21] == 1 and board.heatmap[5][3] == 0
    assert board.heatmap[6][8] == 1 and board.heatmap[6][11] == 1
    assert sum(map(sum, board.heatmap)) == 3

    assert [p.name for p in board.low_stock] == ["Water"] and board.low_stock[0] == month.low
    assert [d.name for d in board.devices] == ["Front door"] and board.terminals_connected == 0


def test_a_fixed_number_of_queries(gym, django_assert_num_queries):
    month = build_month(gym)
    with django_assert_num_queries(QUERIES):
        dashboard_figures(gym=gym, now=NOW)
    for n in range(30):
        extra = MemberFactory(gym=gym, expires_on=TODAY + timedelta(days=n % 7))
        payment(gym, extra, "10.00", "cash", utc(2026, 3, 2 + n % 10, 17))
        visit(gym, extra, utc(2026, 3, 15, 15, n), local=TODAY)
    with django_assert_num_queries(QUERIES):
        board = dashboard_figures(gym=gym, now=NOW)
    assert board.checkins_today == 32 and board.expiring_count == 32 and len(board.expiring) == 15
    assert month.low in board.low_stock


def test_an_empty_gym(gym):
    board = dashboard_figures(gym=gym, now=NOW)
    assert board.members["total"] == 0 and board.this_month.total == 0 and board.checkins_today == 0
    assert board.expiring == [] and board.inside == [] and board.low_stock == []


def test_the_gyms_own_midnight_decides_today(gym):
    """At 01:00 UTC on Mar 16 it is still the evening of Mar 15 in Mexico City."""
    build_month(gym)
    board = dashboard_figures(gym=gym, now=utc(2026, 3, 16, 1))
    assert board.today == TODAY and board.checkins_today == 2
    board = dashboard_figures(gym=gym, now=utc(2026, 4, 1, 7))  # Apr 1, 01:00 there
    assert board.month_start == date(2026, 4, 1) and board.this_month.total == 0
    assert board.last_month.total == Decimal("850.00")


def test_connected_terminals_are_counted_across_processes(gym, other_gym):
    """Each daphne process keeps its sockets in a cache slot (devices.consumers.presence)."""
    from django.core.cache import cache

    from devices.consumers.presence import KEY

    cache.set(KEY.format(slot=0), {"owner": "a", "connections": [["terminal", gym.pk], ["desk", 7]]}, 60)
    cache.set(KEY.format(slot=3), {"owner": "b", "connections": [["terminal", gym.pk], ["terminal", other_gym.pk]]}, 60)
    assert dashboard_figures(gym=gym, now=NOW).terminals_connected == 2
    assert dashboard_figures(gym=other_gym, now=NOW).terminals_connected == 1
