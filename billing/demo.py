"""Demo plans, memberships and payments for `manage.py seed_demo` (idempotent: plans are
keyed by name, and members who already have a membership are left alone).

Runs after `members.demo.seed_demo`: most demo members get a paid period; two have
expired, one is paused and the last stays pending."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from gymsite.accounts.audit import Actor
from gymsite.accounts.models import Gym
from members.models import Member

from . import services
from .models import DurationUnit, Membership, Plan

DEMO_PLANS = [
    ("Mensual", 1, DurationUnit.MONTH, Decimal("500.00"), "Acceso ilimitado durante un mes."),
    ("Trimestral", 3, DurationUnit.MONTH, Decimal("1350.00"), "Tres meses con descuento."),
    ("Anual", 1, DurationUnit.YEAR, Decimal("4800.00"), "Un año completo."),
    ("Visita", 1, DurationUnit.DAY, Decimal("80.00"), "Una visita."),
]

METHODS = ["cash", "card", "transfer"]


def _plans(gym: Gym, actor: Actor) -> dict[str, Plan]:
    plans = {}
    for name, count, unit, price, description in DEMO_PLANS:
        plan = Plan.objects.filter(gym=gym, name__iexact=name).first()
        if plan is None:
            plan = services.plan_create(
                actor=actor,
                gym=gym,
                name=name,
                price=price,
                duration_count=count,
                duration_unit=unit,
                description=description,
            )
        plans[name] = plan
    return plans


def seed_demo(gym: Gym) -> int:
    """Returns how many memberships it created."""
    actor = Actor.system()
    plans = _plans(gym, actor)
    members = list(Member.objects.filter(gym=gym).order_by("id"))
    have = set(Membership.objects.filter(member__in=members).values_list("member_id", flat=True))
    today = None
    created = 0
    # The last member stays pending; the two before it expired; the first one is paused.
    for index, member in enumerate(members[:-1]):
        if member.pk in have:
            continue
        today = today or member.local_today()
        method = METHODS[index % len(METHODS)]
        expired = index >= len(members) - 3
        if expired:
            services.membership_assign(
                actor=actor,
                member=member,
                plan_id=plans["Mensual"].pk,
                starts_on=today - timedelta(days=60 + index),
                method=method,
            )
        else:
            plan = plans["Trimestral" if index % 3 == 1 else "Anual" if index % 5 == 4 else "Mensual"]
            services.membership_assign(
                actor=actor,
                member=member,
                plan_id=plan.pk,
                starts_on=today - timedelta(days=index * 2),
                method=method,
            )
            if index == 0:
                services.membership_pause(
                    actor=actor,
                    member=member,
                    paused_from=today,
                    paused_until=today + timedelta(days=13),
                    reason="Viaje",
                )
        created += 1
    return created
