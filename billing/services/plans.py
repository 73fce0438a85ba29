"""Writes on plans: create, change (a `changes` dict), delete; and the plan a member may buy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.models import Gym
from gymsite.core.changes import apply_changes, check_editable
from gymsite.core.dates import MAX_PLAN_DURATION, MAX_PLAN_YEARS
from gymsite.core.errors import Conflict, Invalid

from ..models import PLAN_EDITABLE_FIELDS, DurationUnit, Membership, Plan


def money(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _plan_validate(*, gym_id: int, name: str, price, duration_count, duration_unit, exclude_id=None) -> None:
    errors: dict[str, list] = {}
    if not name or not name.strip():
        errors["name"] = [_("This field may not be blank.")]
    elif Plan.objects.filter(gym_id=gym_id, name__iexact=name.strip()).exclude(pk=exclude_id).exists():
        errors["name"] = [_("This gym already has a plan with this name.")]
    if price is None or money(price) <= 0:
        errors["price"] = [_("The price must be greater than zero.")]
    if duration_count is None or int(duration_count) <= 0:
        errors["duration_count"] = [_("The duration must be at least 1.")]
    elif duration_unit in DurationUnit.values and int(duration_count) > MAX_PLAN_DURATION[duration_unit]:
        errors["duration_count"] = [
            _("A plan lasts at most %(years)d years: at most %(count)d in this unit.")
            % {"years": MAX_PLAN_YEARS, "count": MAX_PLAN_DURATION[duration_unit]}
        ]
    if duration_unit not in DurationUnit.values:
        errors["duration_unit"] = [_("Use day, week, month or year.")]
    if errors:
        code = "plan_name_taken" if list(errors) == ["name"] and name and name.strip() else "invalid"
        raise Invalid(_("The plan is not valid."), code, errors=errors)


def _plan_save(plan: Plan) -> None:
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        # Two admins creating the same name at once: the unique index decides.
        raise Invalid(
            _("The plan is not valid."),
            "plan_name_taken",
            errors={"name": [_("This gym already has a plan with this name.")]},
        ) from None


def _plan_data(plan: Plan) -> dict:
    return {
        "name": plan.name,
        "price": str(plan.price),
        "duration_count": plan.duration_count,
        "duration_unit": plan.duration_unit,
        "is_active": plan.is_active,
    }


@transaction.atomic
def plan_create(
    *,
    actor: Actor,
    gym: Gym,
    name: str,
    price: Decimal,
    duration_count: int = 1,
    duration_unit: str = DurationUnit.MONTH,
    description: str = "",
    is_active: bool = True,
) -> Plan:
    _plan_validate(
        gym_id=gym.pk, name=name, price=price, duration_count=duration_count, duration_unit=duration_unit
    )
    plan = Plan(
        gym=gym,
        name=name.strip(),
        price=money(price),
        duration_count=duration_count,
        duration_unit=duration_unit,
        description=description,
        is_active=is_active,
    )
    _plan_save(plan)
    audit_record(actor=actor, action="plan.created", target=plan, data=_plan_data(plan))
    return plan


@transaction.atomic
def plan_update(*, actor: Actor, plan: Plan, changes: dict[str, Any]) -> Plan:
    """Change a plan's `PLAN_EDITABLE_FIELDS` (400 `field_not_editable` for any other
    key). Existing memberships keep their dates and purchased price: a plan's new price
    or duration applies to periods sold from now on."""
    check_editable(changes, PLAN_EDITABLE_FIELDS)
    changes = dict(changes)
    if isinstance(changes.get("name"), str):
        changes["name"] = changes["name"].strip()
    if changes.get("price") is not None:
        changes["price"] = money(changes["price"])
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    was_active = plan.is_active
    changed = apply_changes(plan, changes)
    _plan_validate(
        gym_id=plan.gym_id,
        name=plan.name,
        price=plan.price,
        duration_count=plan.duration_count,
        duration_unit=plan.duration_unit,
        exclude_id=plan.pk,
    )
    _plan_save(plan)
    if was_active and not plan.is_active:
        audit_record(actor=actor, action="plan.deactivated", target=plan, data={"name": plan.name})
    if changed:
        audit_record(actor=actor, action="plan.changed", target=plan, data={"changes": changed})
    return plan


@transaction.atomic
def plan_delete(*, actor: Actor, plan: Plan) -> None:
    """A plan with memberships is kept for their history: 409, deactivate it instead."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if Membership.objects.filter(plan=plan).exists():
        raise Conflict(
            _("This plan has memberships; deactivate it instead of deleting it."), "plan_in_use"
        )
    audit_record(actor=actor, action="plan.deleted", target=plan, data=_plan_data(plan))
    plan.delete()


def plan_for_member(*, gym_id: int, plan_id: int | None) -> Plan:
    """The active plan `plan_id` of the gym, or 400 (another gym's plan is "not found")."""
    plan = Plan.objects.filter(pk=plan_id, gym_id=gym_id).first() if plan_id else None
    if plan is None:
        raise Invalid(_("Plan not found."), "plan_not_found", errors={"plan": [_("Plan not found.")]})
    if not plan.is_active:
        raise Invalid(
            _("This plan is not active."), "plan_inactive", errors={"plan": [_("This plan is not active.")]}
        )
    return plan
