"""The owner's morning view of one gym, read in a fixed number of queries whatever the
gym's size (tests/dashboard asserts the count): `dashboard_figures(gym=...)`.

"Today", "this month" and the heatmap's hours are the gym's, in its time zone
(DESIGN.md: a gym's day begins at its own midnight), never the server's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from attendance.selectors import attendance_stats, occupancy
from backups.selectors import backup_overview
from billing.models import Membership, Payment
from devices.consumers import presence
from devices.models import Device
from gymsite.accounts.models import Gym
from gymsite.core.localtime import local_midnight, local_today
from inventory.models import Product, Sale
from inventory.selectors import low_stock
from members.admin import EXPIRING_DAYS, INACTIVE
from members.models import Member, MemberStatus
from members.selectors import member_status_q

# Days the per-day charts and the heatmap cover, ending today.
CHART_DAYS = 30
# Rows shown in the lists (the count says how many there are; a link opens them all).
LIST_ROWS = 15
ZERO = Decimal("0.00")


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month_start(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


def next_month_start(day: date) -> date:
    return month_start(month_start(day) + timedelta(days=32))


@dataclass
class Revenue:
    """Money in by method over a period: membership payments and shop sales, not void."""

    payments: dict[str, Decimal] = field(default_factory=dict)
    sales: dict[str, Decimal] = field(default_factory=dict)

    def method_total(self, method: str) -> Decimal:
        return self.payments.get(method, ZERO) + self.sales.get(method, ZERO)

    @property
    def payments_total(self) -> Decimal:
        return sum(self.payments.values(), ZERO)

    @property
    def sales_total(self) -> Decimal:
        return sum(self.sales.values(), ZERO)

    @property
    def total(self) -> Decimal:
        return self.payments_total + self.sales_total


@dataclass
class Dashboard:
    gym: Gym
    now: datetime
    today: date
    month_start: date
    last_month_start: date
    members: dict[str, int]  # by status (active, expired, pending, paused, inactive), total
    new_members: int  # enrolled this month
    renewals: int  # periods bought this month by members who had one before
    this_month: Revenue
    last_month: Revenue  # the whole of last month
    last_month_to_date: Revenue  # last month up to the same day of the month
    revenue_per_day: list[tuple[date, Decimal]]
    expiring: list[Member]
    expiring_count: int
    checkins_today: int
    checkins_per_day: list[tuple[date, int]]
    heatmap: list[list[int]]  # [weekday 0=Monday][hour] visits in the gym's zone
    inside: list  # today's visits of members still inside (attendance rows)
    low_stock: list[Product]
    low_stock_more: bool  # more products are low than the list shows
    devices: list[Device]
    terminals_connected: int
    backup: dict  # backups.selectors.backup_overview(): the whole system's, not one gym's


def _members(gym: Gym, today: date, month_begins: datetime) -> dict[str, int]:
    active = Q(is_active=True)
    counts = {
        status: Count("pk", filter=active & member_status_q(status, today)) for status in MemberStatus.values
    }
    return Member.objects.filter(gym=gym).aggregate(
        **counts,
        inactive=Count("pk", filter=~active),
        total=Count("pk"),
        new=Count("pk", filter=Q(created_at__gte=month_begins)),
        expiring=Count(
            "pk", filter=active & Q(expires_on__gte=today, expires_on__lte=today + timedelta(days=EXPIRING_DAYS))
        ),
    )


def _renewals(gym: Gym, month_begins: datetime, month_ends: datetime) -> int:
    earlier = Membership.objects.filter(member=OuterRef("member"), created_at__lt=OuterRef("created_at"))
    return (
        Membership.objects.filter(gym=gym, is_active=True, created_at__gte=month_begins, created_at__lt=month_ends)
        .filter(Exists(earlier))
        .count()
    )


def _money_rows(gym: Gym, first: date, end: date) -> tuple[dict, dict]:
    """{(day, method): total} of payments and of sales, gym-local days in [first, end)."""
    tz = gym.tz
    payments = (
        Payment.objects.filter(
            gym=gym, is_void=False, paid_at__gte=local_midnight(first, tz), paid_at__lt=local_midnight(end, tz)
        )
        .annotate(day=TruncDate("paid_at", tzinfo=tz))
        .order_by()
        .values("day", "method")
        .annotate(total=Sum("amount"))
    )
    sales = (
        Sale.objects.filter(gym=gym, voided=False, local_date__gte=first, local_date__lt=end)
        .order_by()
        .values("local_date", "method")
        .annotate(total=Sum("total_amount"))
    )
    return (
        {(row["day"], row["method"]): row["total"] for row in payments},
        {(row["local_date"], row["method"]): row["total"] for row in sales},
    )


def _revenue(payments: dict, sales: dict, first: date, end: date) -> Revenue:
    revenue = Revenue()
    for rows, into in ((payments, revenue.payments), (sales, revenue.sales)):
        for (day, method), total in rows.items():
            if first <= day < end:
                into[method] = into.get(method, ZERO) + total
    return revenue


def dashboard_figures(*, gym: Gym, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard shows of `gym`, at `now` (default: the present)."""
    now = now or timezone.now()
    tz = gym.tz
    today = local_today(tz, now)
    this_month, last_month, next_month = month_start(today), previous_month_start(today), next_month_start(today)
    chart_first = today - timedelta(days=CHART_DAYS - 1)

    members = _members(gym, today, local_midnight(this_month, tz))
    renewals = _renewals(gym, local_midnight(this_month, tz), local_midnight(next_month, tz))

    payments, sales = _money_rows(gym, min(last_month, chart_first), today + timedelta(days=1))
    # Last month up to the same day of the month (the 31st of a 30-day month: all of it).
    same_day = min(today.day, (this_month - timedelta(days=1)).day)
    per_day = defaultdict(lambda: ZERO)
    for rows in (payments, sales):
        for (day, _method), total in rows.items():
            per_day[day] += total

    expiring = list(
        Member.objects.filter(
            gym=gym, is_active=True, expires_on__gte=today, expires_on__lte=today + timedelta(days=EXPIRING_DAYS)
        ).order_by("expires_on", "last_name", "first_name", "id")[:LIST_ROWS]
    )

    stats = attendance_stats(gyms=[gym], date_from=chart_first, date_to=today)
    visits = {row["date"]: row["visits"] for row in stats["per_day"]}
    inside = occupancy(gyms=[gym], now=now)["results"]

    products = list(
        low_stock(Product.objects.filter(gym=gym, is_active=True))
        .order_by("quantity", "name", "id")[: LIST_ROWS + 1]
    )
    devices = list(Device.objects.filter(gym=gym, is_active=True).order_by("name", "id"))

    return Dashboard(
        gym=gym,
        now=now,
        today=today,
        month_start=this_month,
        last_month_start=last_month,
        members={status: members[status] for status in [*MemberStatus.values, INACTIVE, "total"]},
        new_members=members["new"],
        renewals=renewals,
        this_month=_revenue(payments, sales, this_month, next_month),
        last_month=_revenue(payments, sales, last_month, this_month),
        last_month_to_date=_revenue(payments, sales, last_month, last_month + timedelta(days=same_day)),
        revenue_per_day=[(chart_first + timedelta(days=n), per_day[chart_first + timedelta(days=n)])
                         for n in range(CHART_DAYS)],
        expiring=expiring,
        expiring_count=members["expiring"],
        checkins_today=visits.get(today, 0),
        checkins_per_day=[(day, visits.get(day, 0)) for day in sorted(visits)],
        heatmap=stats["heatmap"],
        inside=inside,
        low_stock=products[:LIST_ROWS],
        low_stock_more=len(products) > LIST_ROWS,
        devices=devices,
        terminals_connected=presence.terminals_connected(gym.pk),
        backup=backup_overview(),
    )



