"""Billing factories. Memberships are made through billing's services (never by hand), so
the member's summary and the stacking rules hold in every test."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory

from billing import services
from billing.models import DurationUnit, Plan
from gymsite.accounts.audit import Actor
from tests.factories import GymFactory, MemberFactory  # noqa: F401  (re-exported for tests)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    gym = factory.SubFactory(GymFactory)
    name = factory.Sequence(lambda n: f"Plan {n}")
    price = Decimal("500.00")
    duration_count = 1
    duration_unit = DurationUnit.MONTH
    is_active = True


def give_membership(member, plan, *, starts_on: date | None = None, amount=None, method="cash"):
    """A membership (and its payment) for `member`, as the system records it."""
    return services.membership_assign(
        actor=Actor.system(), member=member, plan_id=plan.pk, starts_on=starts_on, amount=amount, method=method
    )
