"""Writes with rules on plans, memberships, payments and reminders.

Every membership write runs under the member's row lock (`members.services.member_lock`)
and ends by recomputing the member's membership summary, so two writers of one member
queue up instead of losing each other's periods.

The timeline of a member's active memberships keeps two invariants:
- no two active periods overlap;
- no gap after a live run: at most one run of consecutive periods ends today or later.
  A new period while the member is covered (or has a future period) therefore starts at
  most the day after the last expiry, which is what renewal does by default.
With them the summary (the run covering today, else the next one, else the last past one)
stays exact until the next write, whatever day it is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.models import Gym
from gymsite.core.errors import Conflict, Invalid, NotAllowed
from gymsite.core.localtime import local_today
from members import services as member_services
from members.models import Member

from .models import (
    DurationUnit,
    ExpiryReminder,
    Membership,
    MembershipPause,
    Payment,
    PaymentMethod,
    Plan,
)

ONE_DAY = timedelta(days=1)
# How late an "expired" reminder may still go out (the daily task missed days).
EXPIRED_REMINDER_CATCH_UP_DAYS = 7
MAX_PAUSE_DAYS = 365
UNSET: Any = object()


def _money(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


# --- Plans ----------------------------------------------------------------------------


def _plan_validate(*, gym_id: int, name: str, price, duration_count, duration_unit, exclude_id=None) -> None:
    errors: dict[str, list] = {}
    if not name or not name.strip():
        errors["name"] = [_("This field may not be blank.")]
    elif Plan.objects.filter(gym_id=gym_id, name__iexact=name.strip()).exclude(pk=exclude_id).exists():
        errors["name"] = [_("This gym already has a plan with this name.")]
    if price is None or _money(price) <= 0:
        errors["price"] = [_("The price must be greater than zero.")]
    if duration_count is None or int(duration_count) <= 0:
        errors["duration_count"] = [_("The duration must be at least 1.")]
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
        price=_money(price),
        duration_count=duration_count,
        duration_unit=duration_unit,
        description=description,
        is_active=is_active,
    )
    _plan_save(plan)
    audit_record(actor=actor, action="plan.created", target=plan, data=_plan_data(plan))
    return plan


PLAN_FIELDS = ("name", "price", "duration_count", "duration_unit", "description", "is_active")


def _plan_data(plan: Plan) -> dict:
    return {
        "name": plan.name,
        "price": str(plan.price),
        "duration_count": plan.duration_count,
        "duration_unit": plan.duration_unit,
        "is_active": plan.is_active,
    }


@transaction.atomic
def plan_update(*, actor: Actor, plan: Plan, **changes) -> Plan:
    """Change a plan. Existing memberships keep their dates and purchased price: a plan's
    new price or duration applies to periods sold from now on."""
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be changed: %s.") % ", ".join(sorted(unknown)), "invalid")
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    before = _plan_data(plan)
    for name, value in changes.items():
        setattr(plan, name, value.strip() if name == "name" else value)
    _plan_validate(
        gym_id=plan.gym_id,
        name=plan.name,
        price=plan.price,
        duration_count=plan.duration_count,
        duration_unit=plan.duration_unit,
        exclude_id=plan.pk,
    )
    _plan_save(plan)
    after = _plan_data(plan)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if before["is_active"] and not plan.is_active:
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


# --- The timeline of a member's memberships ----------------------------------------------


@dataclass
class Run:
    start: date
    end: date
    items: list[Membership] = field(default_factory=list)


def _sort_key(m: Membership):
    return (m.starts_on, m.pk or 10**18)


def _runs(memberships: list[Membership]) -> list[Run]:
    runs: list[Run] = []
    for m in sorted(memberships, key=_sort_key):
        if runs and m.starts_on <= runs[-1].end + ONE_DAY:
            runs[-1].items.append(m)
            runs[-1].end = max(runs[-1].end, m.expires_on)
        else:
            runs.append(Run(m.starts_on, m.expires_on, [m]))
    return runs


def _active_memberships(member: Member) -> list[Membership]:
    return list(
        Membership.objects.filter(member=member, is_active=True)
        .select_related("plan")
        .prefetch_related("pauses")
        .order_by("starts_on", "id")
    )


def _check_timeline(memberships: list[Membership], today: date) -> None:
    ordered = sorted(memberships, key=_sort_key)
    last_end = None
    for m in ordered:
        if last_end is not None and m.starts_on <= last_end:
            raise Invalid(
                _("This period overlaps another membership of the member."),
                "membership_overlap",
                errors={"starts_on": [_("The member is already covered on %(day)s.") % {"day": m.starts_on}]},
            )
        last_end = m.expires_on if last_end is None else max(last_end, m.expires_on)
    live = [r for r in _runs(ordered) if r.end >= today]
    if len(live) > 1:
        raise Invalid(
            _("A new period must start at most the day after the member's current expiry."),
            "membership_gap",
            errors={"starts_on": [_("Start on or before %(day)s.") % {"day": live[0].end + ONE_DAY}]},
        )


def _next_start(memberships: list[Membership], today: date) -> date:
    """The day after the last expiry when that is today or later (renewing early stacks),
    else today."""
    last_end = max((m.expires_on for m in memberships), default=None)
    if last_end is not None and last_end + ONE_DAY >= today:
        return last_end + ONE_DAY
    return today


def _covering(memberships: list[Membership], day: date) -> Membership | None:
    return next((m for m in memberships if m.starts_on <= day <= m.expires_on), None)


def _stacked_after(target: Membership, memberships: list[Membership]) -> list[Membership]:
    """The periods chained right after `target` (each starting at most the day after the
    previous one ends): they move with it when its expiry moves."""
    chain: list[Membership] = []
    end = target.expires_on
    for m in sorted(memberships, key=_sort_key):
        if m.pk == target.pk or _sort_key(m) <= _sort_key(target):
            continue
        if m.starts_on > end + ONE_DAY:
            break
        chain.append(m)
        end = max(end, m.expires_on)
    return chain


def _shift(memberships: list[Membership], days: int) -> None:
    """Move periods (and their pauses) by `days`. A moved period keeps its length in days:
    what was bought does not change when the plan is edited later."""
    if not days:
        return
    delta = timedelta(days=days)
    for m in memberships:
        m.starts_on += delta
        m.expires_on += delta
        m.save(update_fields=["starts_on", "expires_on", "updated_at"])
        for pause in m.pauses.all():
            pause.paused_from += delta
            pause.paused_until += delta
            pause.save(update_fields=["paused_from", "paused_until"])


def member_summary_refresh(*, member: Member) -> Member:
    """Recompute and store the member's membership summary. The caller holds the member's
    row lock (inside its transaction)."""
    memberships = _active_memberships(member)
    if not memberships:
        return member_services.member_membership_summary_set(
            member=member,
            current_plan_id=None,
            current_plan_name="",
            membership_since=None,
            membership_starts_on=None,
            expires_on=None,
            paused_from=None,
            paused_until=None,
        )
    today = member.local_today()
    runs = _runs(memberships)
    run = (
        next((r for r in runs if r.start <= today <= r.end), None)
        or next((r for r in runs if r.start > today), None)
        or runs[-1]
    )
    latest = max(run.items, key=_sort_key)
    pauses = [p for m in run.items for p in m.pauses.all()]
    pause = max(pauses, key=lambda p: (p.paused_from, p.pk)) if pauses else None
    return member_services.member_membership_summary_set(
        member=member,
        current_plan_id=latest.plan_id,
        current_plan_name=latest.plan.name,
        membership_since=min(m.starts_on for m in memberships),
        membership_starts_on=run.start,
        expires_on=run.end,
        paused_from=pause.paused_from if pause else None,
        paused_until=pause.paused_until if pause else None,
    )


# --- Payments -------------------------------------------------------------------------


def _payment_terms(*, plan: Plan, amount, method) -> tuple[Decimal | None, str | None]:
    """A payment is recorded when a method is given; its amount defaults to the plan's
    price. An amount without a method is refused (we would not know how it was paid)."""
    if method in (None, ""):
        if amount is not None:
            raise Invalid(
                _("Say how the amount was paid."), "method_required", errors={"method": [_("This field is required.")]}
            )
        return None, None
    if method not in PaymentMethod.values:
        raise Invalid(_("Use cash, card or transfer."), "invalid_method", errors={"method": [_("Use cash, card or transfer.")]})
    amount = plan.price if amount is None else _money(amount)
    _check_amount(amount)
    return amount, method


def _check_amount(amount: Decimal) -> None:
    if amount <= 0:
        raise Invalid(
            _("The amount must be greater than zero."),
            "amount_not_positive",
            errors={"amount": [_("The amount must be greater than zero.")]},
        )


def _payment_create(
    *, actor: Actor, member: Member, amount: Decimal, method: str, membership: Membership | None = None, notes: str = ""
) -> Payment:
    payment = Payment.objects.create(
        gym_id=member.gym_id,
        member=member,
        member_name=member.full_name,
        membership=membership,
        amount=amount,
        method=method,
        paid_at=timezone.now(),
        recorded_by=actor.user,
        notes=notes,
    )
    audit_record(
        actor=actor,
        action="payment.recorded",
        target=payment,
        data={
            "member": member.pk,
            "membership": membership.pk if membership else None,
            "amount": str(amount),
            "method": method,
        },
    )
    return payment


@transaction.atomic
def payment_record(
    *, actor: Actor, member: Member, amount: Decimal, method: str, membership_id: int | None = None, notes: str = ""
) -> Payment:
    amount = _money(amount)
    _check_amount(amount)
    if method not in PaymentMethod.values:
        raise Invalid(_("Use cash, card or transfer."), "invalid_method", errors={"method": [_("Use cash, card or transfer.")]})
    membership = None
    if membership_id is not None:
        membership = Membership.objects.filter(pk=membership_id, member=member).first()
        if membership is None:
            raise Invalid(
                _("Membership not found for this member."),
                "membership_not_found",
                errors={"membership": [_("Membership not found for this member.")]},
            )
    return _payment_create(actor=actor, member=member, amount=amount, method=method, membership=membership, notes=notes)


@transaction.atomic
def payment_void(*, actor: Actor, payment: Payment, reason: str) -> Payment:
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.is_void:
        raise Conflict(_("This payment is already void."), "payment_already_void")
    if not reason or not reason.strip():
        raise Invalid(_("Say why the payment is void."), "reason_required", errors={"reason": [_("This field is required.")]})
    payment.is_void = True
    payment.void_reason = reason.strip()
    payment.voided_at = timezone.now()
    payment.voided_by = actor.user
    payment.save(update_fields=["is_void", "void_reason", "voided_at", "voided_by"])
    audit_record(
        actor=actor,
        action="payment.voided",
        target=payment,
        data={"amount": str(payment.amount), "reason": payment.void_reason},
    )
    return payment


# --- Memberships ----------------------------------------------------------------------


def _check_plan_change(*, actor: Actor, current: Membership, new_plan: Plan, today: date) -> None:
    """Seed 001's rule, for every role but the admin: the plan of a current (not yet
    expired) period may change only to an upgrade, i.e. a plan with a longer duration or a
    higher price. Lengths are compared in days from the period's start, so calendar
    months compare exactly."""
    if actor.user is None or actor.user.is_admin:  # the admin, or the system (commands)
        return
    if current.expires_on < today or new_plan.pk == current.plan_id:
        return
    old_plan = current.plan
    longer = new_plan.length_in_days(current.starts_on) > old_plan.length_in_days(current.starts_on)
    pricier = new_plan.price > old_plan.price
    if not (longer or pricier):
        raise NotAllowed(
            _("The current plan has not expired and the new plan is not an upgrade (longer or more expensive)."),
            "plan_change_not_upgrade",
        )


def _membership_data(m: Membership) -> dict:
    return {
        "member": m.member_id,
        "plan": m.plan_id,
        "plan_name": m.plan.name,
        "purchased_price": str(m.purchased_price),
        "starts_on": m.starts_on.isoformat(),
        "expires_on": m.expires_on.isoformat(),
    }


@dataclass
class Purchase:
    member: Member
    membership: Membership
    payment: Payment | None


def _membership_sell(
    *,
    actor: Actor,
    action: str,
    member: Member,
    plan: Plan,
    memberships: list[Membership],
    today: date,
    starts_on: date | None,
    purchased_price: Decimal,
    amount: Decimal | None,
    method: str | None,
) -> Purchase:
    """The one way a period is added (enrollment, renewal, assignment): the member is
    locked by the caller; the period is fitted into the timeline (by default right after
    the last expiry, or today), audited as `action`, paid when a method is given, and the
    member's summary recomputed."""
    if starts_on is None:
        starts_on = _next_start(memberships, today)
    membership = Membership(
        member=member,
        gym_id=member.gym_id,
        plan=plan,
        purchased_price=purchased_price,
        starts_on=starts_on,
        expires_on=plan.period_end(starts_on),
        created_by=actor.user,
    )
    _check_timeline([*memberships, membership], today)
    membership.save()
    audit_record(actor=actor, action=action, target=membership, data=_membership_data(membership))
    payment = None
    if method:
        payment = _payment_create(actor=actor, member=member, amount=amount, method=method, membership=membership)
    return Purchase(member_summary_refresh(member=member), membership, payment)


@transaction.atomic
def member_enroll(
    *,
    actor: Actor,
    gym: Gym,
    member_data: dict[str, Any],
    plan_id: int | None = None,
    amount: Decimal | None = None,
    method: str | None = None,
    starts_on: date | None = None,
) -> Member:
    """Create the member and, with a plan, their first membership and its payment, all in
    one transaction: any refusal leaves nothing behind. Without a plan the member is
    pending."""
    plan = None
    if plan_id is not None:
        plan = plan_for_member(gym_id=gym.pk, plan_id=plan_id)
        amount, method = _payment_terms(plan=plan, amount=amount, method=method)
    elif amount is not None or method or starts_on is not None:
        raise Invalid(
            _("Choose a plan to record a membership or a payment."),
            "plan_required",
            errors={"plan": [_("This field is required with amount, method or starts_on.")]},
        )
    # member_create writes the "member.enrolled" audit event; the period and the payment
    # add their own.
    member = member_services.member_create(actor=actor, gym=gym, data=member_data)
    if plan is not None:
        member = member_services.member_lock(member_id=member.pk)
        today = member.local_today()
        member = _membership_sell(
            actor=actor,
            action="membership.created",
            member=member,
            plan=plan,
            memberships=[],
            today=today,
            starts_on=starts_on or today,
            purchased_price=amount if amount is not None else plan.price,
            amount=amount,
            method=method,
        ).member
    return member


@transaction.atomic
def membership_renew(
    *, actor: Actor, member: Member, plan_id: int, amount: Decimal | None, method: str
) -> Purchase:
    """Seed 002's renewal: the new period starts the day after the current expiry when that
    is today or later (so renewing early stacks), else today. Under the member's row lock,
    two renewals at once give two stacked periods.

    Renewal never changes the current period, so the trainer upgrade rule does not apply:
    the front desk renews with any active plan of the gym."""
    member = member_services.member_lock(member_id=member.pk)
    plan = plan_for_member(gym_id=member.gym_id, plan_id=plan_id)
    amount, method = _payment_terms(plan=plan, amount=amount, method=method)
    if method is None:
        raise Invalid(_("Say how the renewal was paid."), "method_required", errors={"method": [_("This field is required.")]})
    return _membership_sell(
        actor=actor,
        action="membership.renewed",
        member=member,
        plan=plan,
        memberships=_active_memberships(member),
        today=member.local_today(),
        starts_on=None,
        purchased_price=amount,
        amount=amount,
        method=method,
    )


@transaction.atomic
def membership_assign(
    *,
    actor: Actor,
    member: Member,
    plan_id: int,
    starts_on: date | None = None,
    purchased_price: Decimal | None = None,
    amount: Decimal | None = None,
    method: str | None = None,
) -> Purchase:
    """POST /memberships/: give the member a period of a plan (and record its payment when a
    method is given). By default it starts like a renewal (the day after the current
    expiry, or today). While a period covers today, a different plan is a plan change, so
    a non-admin needs an upgrade (see `_check_plan_change`)."""
    member = member_services.member_lock(member_id=member.pk)
    plan = plan_for_member(gym_id=member.gym_id, plan_id=plan_id)
    amount, method = _payment_terms(plan=plan, amount=amount, method=method)
    today = member.local_today()
    memberships = _active_memberships(member)
    current = _covering(memberships, today)
    if current is not None:
        _check_plan_change(actor=actor, current=current, new_plan=plan, today=today)
    if purchased_price is None:
        purchased_price = amount if amount is not None else plan.price
    purchased_price = _money(purchased_price)
    if purchased_price < 0:
        raise Invalid(
            _("The purchased price cannot be negative."),
            "invalid_price",
            errors={"purchased_price": [_("The purchased price cannot be negative.")]},
        )
    return _membership_sell(
        actor=actor,
        action="membership.created",
        member=member,
        plan=plan,
        memberships=memberships,
        today=today,
        starts_on=starts_on,
        purchased_price=purchased_price,
        amount=amount,
        method=method,
    )


def _locked_membership(membership: Membership) -> tuple[Member, Membership, list[Membership]]:
    member = member_services.member_lock(member_id=membership.member_id)
    memberships = _active_memberships(member)
    fresh = next((m for m in memberships if m.pk == membership.pk), None)
    if fresh is None:
        fresh = Membership.objects.select_related("plan").prefetch_related("pauses").get(pk=membership.pk)
    return member, fresh, memberships


@transaction.atomic
def membership_update(
    *,
    actor: Actor,
    membership: Membership,
    plan_id: int = UNSET,
    starts_on: date = UNSET,
    is_active: bool = UNSET,
    purchased_price: Decimal = UNSET,
) -> Membership:
    """PATCH a membership. A new plan or start recomputes the expiry (pause days kept) and
    moves the periods stacked after it by the same days. A non-admin may change the plan
    of a period that has not expired only to an upgrade. The purchased price is fixed:
    sending a different one is refused. Deactivating a period removes it from the
    member's coverage (later stacked periods move back into its place)."""
    member, m, memberships = _locked_membership(membership)
    today = member.local_today()
    if purchased_price is not UNSET and _money(purchased_price) != m.purchased_price:
        raise Invalid(
            _("The purchased price of a membership cannot change."),
            "purchased_price_fixed",
            errors={"purchased_price": [_("The purchased price of a membership cannot change.")]},
        )
    before = _membership_data(m)
    old_start, old_end = m.starts_on, m.expires_on
    was_active = m.is_active
    chain = _stacked_after(m, memberships) if was_active else []
    if plan_id is not UNSET and plan_id != m.plan_id:
        plan = Plan.objects.filter(pk=plan_id, gym_id=m.gym_id).first()
        if plan is None:
            raise Invalid(_("Plan not found."), "plan_not_found", errors={"plan": [_("Plan not found.")]})
        if not plan.is_active:
            raise Invalid(_("This plan is not active."), "plan_inactive", errors={"plan": [_("This plan is not active.")]})
        _check_plan_change(actor=actor, current=m, new_plan=plan, today=today)
        m.plan = plan
    if starts_on is not UNSET and starts_on != m.starts_on:
        if m.pauses.all():
            raise Conflict(_("A paused membership cannot move; resume it first."), "membership_has_pauses")
        m.starts_on = starts_on
    if m.starts_on != old_start or m.plan_id != before["plan"]:
        m.expires_on = m.plan.period_end(m.starts_on) + timedelta(days=m.paused_days)
    if is_active is not UNSET:
        m.is_active = is_active
    if was_active and not m.is_active:
        _shift(chain, -((old_end - old_start).days + 1))
    elif was_active:
        _shift(chain, (m.expires_on - old_end).days)
    others = [x for x in memberships if x.pk != m.pk]
    _check_timeline([*others, m] if m.is_active else others, today)
    m.save()
    after = _membership_data(m)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if was_active != m.is_active:
        changes["is_active"] = [was_active, m.is_active]
    if changes:
        audit_record(actor=actor, action="membership.changed", target=m, data={"changes": changes})
    member_summary_refresh(member=member)
    return m


@transaction.atomic
def membership_delete(*, actor: Actor, membership: Membership) -> None:
    """Delete a period (admin). Periods stacked after it move back into its place; its
    payments stay in the books (their membership link is cleared)."""
    member, m, memberships = _locked_membership(membership)
    if m.is_active:
        _shift(_stacked_after(m, memberships), -((m.expires_on - m.starts_on).days + 1))
    audit_record(actor=actor, action="membership.deleted", target=m, data=_membership_data(m))
    m.delete()
    member_summary_refresh(member=member)


@transaction.atomic
def membership_pause(
    *, actor: Actor, member: Member, paused_from: date, paused_until: date, reason: str = ""
) -> MembershipPause:
    """Pause the period covering `paused_from` (today or later). The paused days are added
    to its expiry and every period stacked after it moves by the same days. One pause at a
    time: a member with a pause not yet over must resume first."""
    member = member_services.member_lock(member_id=member.pk)
    today = member.local_today()
    if paused_from < today:
        raise Invalid(_("A pause cannot start in the past."), "pause_in_past", errors={"from": [_("Use today or a later day.")]})
    if paused_until < paused_from:
        raise Invalid(_("A pause ends on or after its start."), "invalid_pause", errors={"until": [_("Use a day on or after from.")]})
    days = (paused_until - paused_from).days + 1
    if days > MAX_PAUSE_DAYS:
        raise Invalid(
            _("A pause lasts at most %(days)d days.") % {"days": MAX_PAUSE_DAYS},
            "pause_too_long",
            errors={"until": [_("A pause lasts at most %(days)d days.") % {"days": MAX_PAUSE_DAYS}]},
        )
    memberships = _active_memberships(member)
    target = _covering(memberships, paused_from)
    if target is None:
        raise Conflict(_("No membership covers the first day of the pause."), "no_covering_membership")
    if any(p.paused_until >= today for m in memberships for p in m.pauses.all()):
        raise Conflict(_("The member already has a pause; resume it first."), "already_paused")
    chain = _stacked_after(target, memberships)
    target.expires_on += timedelta(days=days)
    target.save(update_fields=["expires_on", "updated_at"])
    _shift(chain, days)
    pause = MembershipPause.objects.create(
        membership=target, paused_from=paused_from, paused_until=paused_until, reason=reason, created_by=actor.user
    )
    audit_record(
        actor=actor,
        action="membership.paused",
        target=target,
        data={"from": paused_from.isoformat(), "until": paused_until.isoformat(), "days": days, "reason": reason},
    )
    member_summary_refresh(member=member)
    return pause


@transaction.atomic
def membership_resume(*, actor: Actor, member: Member) -> Member:
    """End the member's pause today: they are active again from today, and the days not
    used are given back (the expiry, and the periods stacked after it, move back). A pause
    that has not started yet is cancelled whole."""
    member = member_services.member_lock(member_id=member.pk)
    today = member.local_today()
    memberships = _active_memberships(member)
    pauses = sorted(
        (p for m in memberships for p in m.pauses.all() if p.paused_until >= today), key=lambda p: p.paused_from
    )
    if not pauses:
        raise Conflict(_("The member is not paused."), "not_paused")
    pause = pauses[0]
    target = next(m for m in memberships if m.pk == pause.membership_id)
    new_until = max(today - ONE_DAY, pause.paused_from - ONE_DAY)
    unused = (pause.paused_until - new_until).days
    chain = _stacked_after(target, memberships)
    target.expires_on -= timedelta(days=unused)
    target.save(update_fields=["expires_on", "updated_at"])
    _shift(chain, -unused)
    data = {"from": pause.paused_from.isoformat(), "until": pause.paused_until.isoformat(), "days_returned": unused}
    if new_until < pause.paused_from:
        pause.delete()
    else:
        pause.paused_until = new_until
        pause.resumed_on = today
        pause.save(update_fields=["paused_until", "resumed_on"])
    audit_record(actor=actor, action="membership.resumed", target=target, data=data)
    return member_summary_refresh(member=member)


# --- Expiry reminders -----------------------------------------------------------------


def _reminder_language(gym: Gym) -> str:
    """Reminders are written in the gym's language for its members (Gym.language, else the
    site's LANGUAGE_CODE): members have no account to keep a preference in."""
    code = gym.member_language[:2].lower()
    return code if code in {"en", "es"} else "en"


def _render(name: str, language: str, context: dict) -> str:
    try:
        return render_to_string(f"billing/email/{name}.{language}.txt", context)
    except TemplateDoesNotExist:
        return render_to_string(f"billing/email/{name}.en.txt", context)


def _reminder_send(*, reminder_kind: str, membership: Membership, language: str) -> None:
    member = membership.member
    context = {
        "member": member,
        "membership": membership,
        "plan": membership.plan,
        "gym": membership.gym,
        "expires_on": membership.expires_on,
    }
    with translation.override(language):  # month and day names in the mail's language
        subject = " ".join(_render(f"expiry_{reminder_kind}_subject", language, context).split())
        body = _render(f"expiry_{reminder_kind}", language, context)
    EmailMultiAlternatives(subject=subject, body=body, to=[member.email]).send(fail_silently=False)


def expiry_reminder_candidates(*, gym: Gym, today: date) -> list[tuple[str, Membership]]:
    """Which memberships of the gym get which reminder today: upcoming ones first, then
    expired ones, each in id order.

    - "upcoming": the coverage ends within the next `gym.expiry_reminder_days` days
      (today < expires_on <= today + N) and no upcoming reminder was sent for it yet;
    - "expired": the coverage ended within the last EXPIRED_REMINDER_CATCH_UP_DAYS (7) days
      (today - 7 <= expires_on < today: expires_on is the last day covered, so from the
      first day not covered until seven days after the last covered one) and no expired
      reminder was sent yet.
    Windows rather than exact days, so a day the daily task misses (worker down) is caught
    up by the next run, and a member enrolled with fewer than N days left is still told;
    the reminder rows keep it to once per membership and kind. Nobody is reminded on the
    expiry day itself (still covered, and past the upcoming window). Only the period that
    ends the member's coverage counts (a member who already renewed is not reminded), only
    active members with an email address. One query per gym."""
    not_sent = {
        kind: ~Exists(ExpiryReminder.objects.filter(membership=OuterRef("pk"), kind=kind))
        for kind in ExpiryReminder.Kind
    }
    rows = (
        Membership.objects.filter(
            (
                Q(expires_on__gt=today, expires_on__lte=today + timedelta(days=gym.expiry_reminder_days))
                & not_sent[ExpiryReminder.Kind.UPCOMING]
            )
            | (
                Q(expires_on__lt=today, expires_on__gte=today - timedelta(days=EXPIRED_REMINDER_CATCH_UP_DAYS))
                & not_sent[ExpiryReminder.Kind.EXPIRED]
            ),
            gym=gym,
            is_active=True,
            member__expires_on=F("expires_on"),
            member__is_active=True,
        )
        .exclude(member__email="")
        .select_related("member", "plan", "gym")
        .order_by("id")
    )
    upcoming, expired = [], []
    for membership in rows:
        if membership.expires_on > today:
            upcoming.append((ExpiryReminder.Kind.UPCOMING, membership))
        else:
            expired.append((ExpiryReminder.Kind.EXPIRED, membership))
    return upcoming + expired


def expiry_reminders_send(*, now=None) -> dict[str, int]:
    """Send the reminders due today for every active gym, catching up on days the task
    missed (see expiry_reminder_candidates). Idempotent and safe under retries and
    concurrent runs: the reminder row is created (under its unique constraint) in the same
    transaction that sends the mail, so a reminder is sent at most once per membership and
    kind; a failed send rolls its row back and a later run retries it."""
    now = now or timezone.now()
    sent = {ExpiryReminder.Kind.UPCOMING.value: 0, ExpiryReminder.Kind.EXPIRED.value: 0}
    for gym in Gym.objects.filter(is_active=True).order_by("id"):
        today = local_today(gym.tz, now)
        language = _reminder_language(gym)
        for kind, membership in expiry_reminder_candidates(gym=gym, today=today):
            with transaction.atomic():
                reminder, created = ExpiryReminder.objects.get_or_create(
                    membership=membership, kind=kind, defaults={"email": membership.member.email}
                )
                if not created:
                    continue
                _reminder_send(reminder_kind=kind, membership=membership, language=language)
                audit_record(
                    actor=Actor.system(),
                    action=f"membership.reminder_{kind}",
                    target=membership,
                    data={"email": membership.member.email, "expires_on": membership.expires_on.isoformat()},
                )
            sent[kind] += 1
    return sent

