"""Enrollment with a plan: POST /members/ (members' route) with an optional first
membership and its payment, in one transaction (`services.member_enroll`).

Registered with members when the billing app is ready (billing/apps.py), so members calls
it without importing billing (members/enrollment.py)."""

from __future__ import annotations

from typing import Any

from gymsite.accounts.audit import Actor
from gymsite.accounts.models import Gym
from members.enrollment import Enrollment
from members.models import Member

from . import services
from .serializers import MemberEnrollSerializer

ENROLLMENT_TERMS = ("plan", "amount", "method", "starts_on")


def member_enroll(*, actor: Actor, gym: Gym, data: dict[str, Any]) -> Member:
    """`data`: MemberEnrollSerializer's validated data, without the gym."""
    member_data = {key: value for key, value in data.items() if key not in ENROLLMENT_TERMS}
    plan = data.get("plan")
    return services.member_enroll(
        actor=actor,
        gym=gym,
        member_data=member_data,
        plan_id=plan.pk if plan is not None else None,
        amount=data.get("amount"),
        method=data.get("method"),
        starts_on=data.get("starts_on"),
    )


ENROLLMENT = Enrollment(serializer_class=MemberEnrollSerializer, enroll=member_enroll)
