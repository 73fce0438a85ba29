"""A gym's month as the dashboard reads it, at a pinned clock (NOW: Sunday 15 March 2026,
12:00 in Mexico City), with rows on both sides of every edge the dashboard cuts at: the
gym's midnight at the month's start, void payments and sales, denied check-ins,
inactive members and products."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from attendance.models import Attendance
from billing.models import Membership, Payment, Plan
from devices.models import Device
from inventory.models import Product, Sale
from members.models import Member
from tests.factories import MemberFactory

NOW = datetime(2026, 3, 15, 18, 0, tzinfo=UTC)  # 12:00 in America/Mexico_City (UTC-6)
TODAY = date(2026, 3, 15)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class Month:
    plan: Plan
    members: dict[str, Member]
    low: Product


def member(gym, name: str, *, expires_on=None, starts_on=None, since=None, created=utc(2025, 6, 1), **fields) -> Member:
    row = MemberFactory(
        gym=gym, first_name=name, last_name="Test", expires_on=expires_on, membership_starts_on=starts_on,
        membership_since=since or starts_on, current_plan_name="Monthly" if expires_on else "", **fields,
    )
    Member.objects.filter(pk=row.pk).update(created_at=created)
    return row


def membership(member_row, plan, *, starts_on, expires_on, created) -> Membership:
    row = Membership.objects.create(
        member=member_row, gym=member_row.gym, plan=plan, purchased_price=plan.price, starts_on=starts_on,
        expires_on=expires_on,
    )
    Membership.objects.filter(pk=row.pk).update(created_at=created)
    return row


def payment(gym, member_row, amount: str, method: str, paid_at: datetime, *, void=False) -> Payment:
    return Payment.objects.create(
        gym=gym, member=member_row, member_name=member_row.full_name, amount=Decimal(amount), method=method,
        paid_at=paid_at, is_void=void,
    )


def visit(gym, member_row, at: datetime, *, local: date, result="granted", out=None) -> Attendance:
    return Attendance.objects.create(
        member=member_row, gym=gym, check_in_at=at, check_out_at=out, local_date=local, result=result,
        reason="membership_expired" if result == "denied" else "", source="front_desk",
    )


def build_month(gym) -> Month:
    plan = Plan.objects.create(gym=gym, name="Monthly", price=Decimal("500.00"))
    ana = member(gym, "Ana", expires_on=date(2026, 3, 20), starts_on=date(2026, 2, 21), created=utc(2026, 3, 3),
                 phone="555-0101")
    bruno = member(gym, "Bruno", expires_on=date(2026, 4, 30), starts_on=date(2026, 3, 31),
                   since=date(2026, 1, 10), created=utc(2026, 3, 1, 6, 30))  # Mar 1, 00:30 at the gym
    # Enrolled at 23:30 on Feb 28 at the gym (05:30 UTC on Mar 1): last month's.
    carla = member(gym, "Carla", expires_on=date(2026, 3, 1), starts_on=date(2026, 2, 1), created=utc(2026, 3, 1, 5, 30))
    member(gym, "Dora")  # pending: no membership
    eva = member(gym, "Eva", expires_on=date(2026, 5, 31), starts_on=date(2026, 3, 1), paused_from=date(2026, 3, 10),
                 paused_until=date(2026, 3, 20))
    member(gym, "Fede", expires_on=date(2026, 3, 18), starts_on=date(2026, 2, 18), is_active=False)  # inactive
    gil = member(gym, "Gil", expires_on=date(2026, 3, 15), starts_on=date(2026, 2, 15))  # expires today

    membership(bruno, plan, starts_on=date(2026, 1, 10), expires_on=date(2026, 2, 9), created=utc(2026, 1, 10, 16))
    membership(bruno, plan, starts_on=date(2026, 3, 31), expires_on=date(2026, 4, 30), created=utc(2026, 3, 5, 16))
    membership(ana, plan, starts_on=date(2026, 2, 21), expires_on=date(2026, 3, 20), created=utc(2026, 3, 3, 16))
    membership(carla, plan, starts_on=date(2026, 2, 1), expires_on=date(2026, 3, 1), created=utc(2026, 2, 1, 16))

    payment(gym, ana, "500.00", "cash", utc(2026, 3, 1, 6, 30))  # Mar 1, 00:30 at the gym
    payment(gym, bruno, "300.00", "card", utc(2026, 3, 10, 17))
    payment(gym, bruno, "999.00", "transfer", utc(2026, 3, 11, 17), void=True)
    payment(gym, carla, "200.00", "cash", utc(2026, 3, 1, 5, 30))  # Feb 28, 23:30 at the gym
    payment(gym, carla, "100.00", "card", utc(2026, 2, 10, 17))
    payment(gym, carla, "40.00", "transfer", utc(2026, 1, 31, 17))  # two months ago
    Sale.objects.create(gym=gym, method="cash", total_amount=Decimal("50.00"), sale_date=utc(2026, 3, 14, 17),
                        local_date=date(2026, 3, 14))
    Sale.objects.create(gym=gym, method="card", total_amount=Decimal("70.00"), sale_date=utc(2026, 3, 14, 18),
                        local_date=date(2026, 3, 14), voided=True)

    visit(gym, ana, utc(2026, 3, 15, 17, 30), local=TODAY)  # 11:30, still inside
    visit(gym, bruno, utc(2026, 3, 15, 14), local=TODAY, out=utc(2026, 3, 15, 15))  # left at 09:00
    visit(gym, carla, utc(2026, 3, 15, 17, 45), local=TODAY, result="denied")
    visit(gym, eva, utc(2026, 3, 14, 3), local=date(2026, 3, 13))  # Friday 21:00 at the gym

    low = Product.objects.create(gym=gym, name="Water", price=Decimal("10.00"), quantity=2, low_stock_threshold=5)
    Product.objects.create(gym=gym, name="Towel", price=Decimal("90.00"), quantity=20, low_stock_threshold=5)
    Product.objects.create(gym=gym, name="Old bar", price=Decimal("9.00"), quantity=0, low_stock_threshold=5,
                           is_active=False)
    Device.objects.create(gym=gym, name="Front door", token_hash=f"{gym.pk:064d}", token_prefix="abcd")
    return Month(plan=plan, members={"ana": ana, "bruno": bruno, "carla": carla, "eva": eva, "gil": gil}, low=low)
