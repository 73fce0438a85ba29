"""Permission-matrix providers for billing's routes (see tests/matrix.py). Billing's
member routes (`/members/{id}/renew`..., basename `member`) get their `pk` from the
members app's providers; these build plans, memberships and payments in the requester's
gym."""

from decimal import Decimal

from tests.factories import MemberFactory
from tests.matrix import provides

from .factories import PlanFactory, give_membership


@provides("plan", "pk")
def plan_pk(ctx):
    # A fresh plan with no membership, so the admin's DELETE succeeds.
    return PlanFactory(gym=ctx.gym, price=Decimal("10.00")).pk


@provides("membership", "pk")
def membership_pk(ctx):
    member = MemberFactory(gym=ctx.gym)
    return give_membership(member, PlanFactory(gym=ctx.gym), method=None).membership.pk


@provides("payment", "pk")
def payment_pk(ctx):
    member = MemberFactory(gym=ctx.gym)
    return give_membership(member, PlanFactory(gym=ctx.gym), method="cash").payment.pk
