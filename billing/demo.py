"""Demo plans, memberships and payments for `manage.py seed_demo`: a gym's history, not
one day's. Idempotent: plans are keyed by name, and members who already have a membership
are left alone.

Runs after `members.demo.seed_demo`. Each member joined months ago and renewed period
after period, as at a real front desk: one membership and its payment per period, paid
on the day the period began, at the member's usual hour in the gym's time, recorded by
the gym's receptionist. Most members are covered today (one of them paused); two let
their membership lapse weeks ago; the last has not paid yet. Plans are named in the
gym's language.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from gymsite.accounts.audit import Actor
from gymsite.accounts.models import AuditEvent, Gym, User
from gymsite.accounts.roles import Role
from members.models import Member

from . import services
from .models import DurationUnit, Membership, Plan

# (name, duration, unit, price, description): English source, named in the gym's language.
DEMO_PLANS = [
    (gettext_noop("Monthly"), 1, DurationUnit.MONTH, Decimal("500.00"), gettext_noop("Unlimited access for a month.")),
    (gettext_noop("Quarterly"), 3, DurationUnit.MONTH, Decimal("1350.00"), gettext_noop("Three months at a discount.")),
    (gettext_noop("Yearly"), 1, DurationUnit.YEAR, Decimal("4800.00"), gettext_noop("A full year.")),
    (gettext_noop("Day pass"), 1, DurationUnit.DAY, Decimal("80.00"), gettext_noop("One visit.")),
]
MONTHLY, QUARTERLY, YEARLY = "Monthly", "Quarterly", "Yearly"

METHODS = ["cash", "card", "transfer"]


def _plans(gym: Gym, actor: Actor) -> dict[str, Plan]:
    """The demo plans by their English name, named in the gym's language."""
    plans = {}
    with translation.override(gym.member_language):
        for name, count, unit, price, description in DEMO_PLANS:
            local_name = gettext(name)
            plan = Plan.objects.filter(gym=gym, name__iexact=local_name).first()
            if plan is None:
                plan = services.plan_create(
                    actor=actor,
                    gym=gym,
                    name=local_name,
                    price=price,
                    duration_count=count,
                    duration_unit=unit,
                    description=gettext(description),
                )
            plans[name] = plan
    return plans


def _desk(gym: Gym) -> Actor:
    """Who records the demo sales: the gym's receptionist, else the system."""
    user = User.objects.filter(gym=gym, role=Role.RECEPTIONIST, is_active=True).order_by("pk").first()
    return Actor(user=user) if user is not None else Actor.system()


def _history(plan: Plan, joined: date, *, until: date) -> list[date]:
    """The starts of back-to-back periods of `plan` from `joined` while they begin on or
    before `until` and the previous one has ended."""
    starts, start = [], joined
    while start <= until:
        starts.append(start)
        start = plan.period_end(start) + timedelta(days=1)
    return starts


def _backdate(member: Member, sales: list[tuple[datetime, Membership]]) -> None:
    """Give the demo rows the moments they happened: the payment when it was paid, the
    membership when it was sold, the member when they joined, and their audit events."""
    for moment, membership in sales:
        Membership.objects.filter(pk=membership.pk).update(created_at=moment, updated_at=moment)
        payments = list(membership.payments.values_list("pk", flat=True))
        membership.payments.update(paid_at=moment)
        AuditEvent.objects.filter(target_type="billing.membership", target_id=str(membership.pk)).update(at=moment)
        AuditEvent.objects.filter(target_type="billing.payment", target_id__in=[str(pk) for pk in payments]).update(
            at=moment
        )
    joined = sales[0][0] - timedelta(minutes=5)
    Member.objects.filter(pk=member.pk).update(created_at=joined)
    AuditEvent.objects.filter(action="member.enrolled", target_id=str(member.pk)).update(at=joined)


@transaction.atomic
def seed_demo(gym: Gym) -> int:
    """Returns how many memberships it created."""
    plans = _plans(gym, Actor.system())
    actor = _desk(gym)
    members = list(Member.objects.filter(gym=gym).order_by("id"))
    have = set(Membership.objects.filter(member__in=members).values_list("member_id", flat=True))
    now = timezone.now()
    today = timezone.localtime(now, gym.tz).date()
    created = 0
    # The last member stays pending; the two before it lapsed; the first one is paused.
    for index, member in enumerate(members[:-1]):
        if member.pk in have:
            continue
        lapsed = index >= len(members) - 3
        if lapsed:
            plan = plans[MONTHLY]
            ended = today - timedelta(days=12 + 19 * (len(members) - 2 - index))
            # Covered up to `ended`: the periods up to the one that ended then.
            starts = [s for s in _history(plan, ended - timedelta(days=95 + 20 * index), until=ended)
                      if plan.period_end(s) <= ended]
        else:
            plan = plans[QUARTERLY if index % 3 == 1 else YEARLY if index % 5 == 4 else MONTHLY]
            joined = today - timedelta(days=40 + (index * 53) % 230)
            starts = _history(plan, joined, until=today)
        # The member's usual hour at the desk, between 7:00 and 20:59.
        usual = time(7 + (index * 5) % 14, (index * 17) % 60)
        sales = []
        for number, starts_on in enumerate(starts):
            moment = min(datetime.combine(starts_on, usual, tzinfo=gym.tz), now - timedelta(minutes=5))
            purchase = services.membership_assign(
                actor=actor,
                member=member,
                plan_id=plan.pk,
                starts_on=starts_on,
                method=METHODS[(index + number) % len(METHODS)],
            )
            sales.append((moment, purchase.membership))
            created += 1
        if sales:
            _backdate(member, sales)
        if index == 0:
            with translation.override(gym.member_language):
                reason = gettext("Trip")
            services.membership_pause(
                actor=actor, member=member, paused_from=today, paused_until=today + timedelta(days=13), reason=reason
            )
    return created
