"""Writes on memberships: enroll with a plan, renew, assign, change (a `changes` dict),
delete, pause and resume; and the member's membership summary.

Every membership write runs under the member's row lock (`members.services.member_lock`)
and ends by recomputing the member's membership summary, so two writers of one member
queue up instead of losing each other's periods.

The timeline of a member's active memberships keeps two invariants:
- no two active periods overlap;
- no gap after a live run: at most one run of consecutive periods ends today or later.
  A new period while the member is covered (or has a future period) therefore starts at
  most the day after the last expiry, which is what renewal does by default.
With them the summary (the run covering today, else the next one, else the last past one)
stays exact until the next write, whatever day it is read. The date arithmetic is
`billing.periods` (pure, tested without the database); this module locks, checks and saves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.models import Gym
from gymsite.accounts.roles import role_can
from gymsite.core import dates
from gymsite.core.changes import apply_changes, check_editable
from gymsite.core.errors import Conflict, Invalid, NotAllowed
from gymsite.core.localtime import local_today
from members import services as member_services
from members.models import Member

from .. import periods
from ..models import MEMBERSHIP_EDITABLE_FIELDS, Membership, MembershipPause, Payment, Plan
from ..selectors import active_memberships
from . import payments
from .plans import money, plan_for_member

MAX_PAUSE_DAYS = dates.MAX_PAUSE_DAYS


# --- The timeline of a member's memberships ----------------------------------------------


def _check_timeline(memberships: list[Membership], today: date) -> None:
    clash = periods.first_overlap(memberships)
    if clash is not None:
        raise Invalid(
            _("This period overlaps another membership of the member."),
            "membership_overlap",
            errors={"starts_on": [_("The member is already covered on %(day)s.") % {"day": clash.starts_on}]},
        )
    live = periods.live_runs(memberships, today)
    if len(live) > 1:
        raise Invalid(
            _("A new period must start at most the day after the member's current expiry."),
            "membership_gap",
            errors={"starts_on": [_("Start on or before %(day)s.") % {"day": live[0].end + periods.ONE_DAY}]},
        )


# --- How far the dates may go (gymsite/core/dates.py) ------------------------------------


def _check_horizon(last_day: date, field: str) -> None:
    """No period ends after dates.LATEST_DATE: with that, every later step of arithmetic
    on the stored dates (a plan's length, a pause, a shift) stays far inside the calendar."""
    if last_day > dates.LATEST_DATE:
        raise dates.out_of_range(
            field, _("A membership cannot end after %(day)s.") % {"day": dates.LATEST_DATE.isoformat()}
        )


def _period_end(plan: Plan, starts_on: date, *, field: str, paused_days: int = 0) -> date:
    """The plan's `period_end` from `starts_on` plus the paused days, refused (400 on
    `field`) past the horizon. A plan made before its length was bounded cannot overflow
    it either."""
    try:
        end = plan.period_end(starts_on) + timedelta(days=paused_days)
    except (OverflowError, ValueError):  # past year 9999: a plan longer than MAX_PLAN_YEARS
        end = date.max
    _check_horizon(end, field)
    return end


def _check_start(starts_on: date, today: date) -> None:
    """A start the client chose: at most MAX_BACKDATE_DAYS before the gym's today and
    MAX_ADVANCE_DAYS after it."""
    first = today - timedelta(days=dates.MAX_BACKDATE_DAYS)
    last = today + timedelta(days=dates.MAX_ADVANCE_DAYS)
    if not first <= starts_on <= last:
        raise dates.out_of_range(
            "starts_on",
            _("Start from %(first)s to %(last)s.") % {"first": first.isoformat(), "last": last.isoformat()},
        )


def _shift(memberships: list[Membership], days: int, *, field: str = "starts_on") -> None:
    """Move periods (and their pauses) by `days`. A moved period keeps its length in days:
    what was bought does not change when the plan is edited later. Refused (400 on
    `field`) before anything moves when a period would end past the horizon."""
    if not days:
        return
    if days > 0 and memberships:
        _check_horizon(max(m.expires_on for m in memberships) + timedelta(days=days), field)
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
    memberships = active_memberships(member)
    run = periods.summary_run(memberships, member.local_today())
    if run is None:
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
    latest = max(run.items, key=periods.sort_key)
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


# --- Memberships ----------------------------------------------------------------------


def _check_plan_change(*, actor: Actor, current: Membership, new_plan: Plan, today: date) -> None:
    """Seed 001's rule: the plan of a current (not yet expired) period may change only to
    an upgrade (a longer duration or a higher price, see `periods.is_upgrade`), unless
    the actor's role holds `memberships.change_plan` (the roles table: the admin) or the
    actor is the system (commands, demo data)."""
    if actor.user is None or role_can(actor.user.role, "memberships.change_plan"):
        return
    if current.expires_on < today or new_plan.pk == current.plan_id:
        return
    if not periods.is_upgrade(starts_on=current.starts_on, current=current.plan, new=new_plan):
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
    horizon_field: str = "starts_on",
) -> Purchase:
    """The one way a period is added (enrollment, renewal, assignment): the member is
    locked by the caller; the period is fitted into the timeline (by default right after
    the last expiry, or today), audited as `action`, paid when a method is given, and the
    member's summary recomputed. A chosen start is within the backdating limits; a period
    that would end past the horizon is refused on `horizon_field`."""
    if starts_on is None:
        starts_on = periods.next_start(memberships, today)
    else:
        _check_start(starts_on, today)
    membership = Membership(
        member=member,
        gym_id=member.gym_id,
        plan=plan,
        purchased_price=purchased_price,
        starts_on=starts_on,
        expires_on=_period_end(plan, starts_on, field=horizon_field),
        created_by=actor.user,
    )
    _check_timeline([*memberships, membership], today)
    membership.save()
    audit_record(actor=actor, action=action, target=membership, data=_membership_data(membership))
    payment = None
    if method:
        payment = payments.payment_create(actor=actor, member=member, amount=amount, method=method, membership=membership)
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
        amount, method = payments.payment_terms(plan=plan, amount=amount, method=method)
        if starts_on is not None:  # before the member (and their photo) is written
            _check_start(starts_on, local_today(gym.tz))
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
    amount, method = payments.payment_terms(plan=plan, amount=amount, method=method)
    if method is None:
        raise Invalid(_("Say how the renewal was paid."), "method_required", errors={"method": [_("This field is required.")]})
    return _membership_sell(
        actor=actor,
        action="membership.renewed",
        member=member,
        plan=plan,
        memberships=active_memberships(member),
        today=member.local_today(),
        starts_on=None,
        purchased_price=amount,
        amount=amount,
        method=method,
        horizon_field="plan",
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
    amount, method = payments.payment_terms(plan=plan, amount=amount, method=method)
    today = member.local_today()
    memberships = active_memberships(member)
    current = periods.covering(memberships, today)
    if current is not None:
        _check_plan_change(actor=actor, current=current, new_plan=plan, today=today)
    if purchased_price is None:
        purchased_price = amount if amount is not None else plan.price
    purchased_price = money(purchased_price)
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
    memberships = active_memberships(member)
    fresh = next((m for m in memberships if m.pk == membership.pk), None)
    if fresh is None:
        fresh = Membership.objects.select_related("plan").prefetch_related("pauses").get(pk=membership.pk)
    return member, fresh, memberships


@transaction.atomic
def membership_update(*, actor: Actor, membership: Membership, changes: dict[str, Any]) -> Membership:
    """Change a membership's `MEMBERSHIP_EDITABLE_FIELDS` (`plan` is a plan id; 400
    `field_not_editable` for any other key). A new plan or start recomputes the expiry
    (pause days kept) and moves the periods stacked after it by the same days. Without
    `memberships.change_plan` the plan of a period that has not expired changes only to an
    upgrade. The purchased price is fixed: sending a different one is refused.
    Deactivating a period removes it from the member's coverage (later stacked periods
    move back into its place)."""
    check_editable(changes, MEMBERSHIP_EDITABLE_FIELDS)
    member, m, memberships = _locked_membership(membership)
    today = member.local_today()
    if "purchased_price" in changes and money(changes["purchased_price"]) != m.purchased_price:
        raise Invalid(
            _("The purchased price of a membership cannot change."),
            "purchased_price_fixed",
            errors={"purchased_price": [_("The purchased price of a membership cannot change.")]},
        )
    before = _membership_data(m)
    old_start, old_end = m.starts_on, m.expires_on
    was_active = m.is_active
    chain = periods.stacked_after(m, memberships) if was_active else []
    resolved: dict[str, Any] = {k: changes[k] for k in ("starts_on", "is_active") if k in changes}
    if "plan" in changes and changes["plan"] != m.plan_id:
        plan = plan_for_member(gym_id=m.gym_id, plan_id=changes["plan"])
        _check_plan_change(actor=actor, current=m, new_plan=plan, today=today)
        resolved["plan"] = plan
    if resolved.get("starts_on", m.starts_on) != m.starts_on:
        if m.pauses.all():
            raise Conflict(_("A paused membership cannot move; resume it first."), "membership_has_pauses")
        _check_start(resolved["starts_on"], today)
    applied = apply_changes(m, resolved)
    field = "starts_on" if "starts_on" in applied else "plan"
    if "starts_on" in applied or "plan" in applied:
        m.expires_on = _period_end(m.plan, m.starts_on, field=field, paused_days=m.paused_days)
    if was_active and not m.is_active:
        _shift(chain, -periods.span_days(old_start, old_end))
    elif was_active:
        _shift(chain, (m.expires_on - old_end).days, field=field)
    others = [x for x in memberships if x.pk != m.pk]
    _check_timeline([*others, m] if m.is_active else others, today)
    m.save()
    after = _membership_data(m)
    audit_changes = {**{k: [before[k], after[k]] for k in after if before[k] != after[k]}, **applied}
    if audit_changes:
        audit_record(actor=actor, action="membership.changed", target=m, data={"changes": audit_changes})
    member_summary_refresh(member=member)
    return m


@transaction.atomic
def membership_delete(*, actor: Actor, membership: Membership) -> None:
    """Delete a period (admin). Periods stacked after it move back into its place; its
    payments stay in the books (their membership link is cleared)."""
    member, m, memberships = _locked_membership(membership)
    if m.is_active:
        _shift(periods.stacked_after(m, memberships), -periods.span_days(m.starts_on, m.expires_on))
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
    last_start = today + timedelta(days=dates.MAX_PAUSE_AHEAD_DAYS)
    if paused_from > last_start:
        raise dates.out_of_range("from", _("Start the pause by %(day)s.") % {"day": last_start.isoformat()})
    days = periods.span_days(paused_from, paused_until)
    if days > MAX_PAUSE_DAYS:
        raise Invalid(
            _("A pause lasts at most %(days)d days.") % {"days": MAX_PAUSE_DAYS},
            "pause_too_long",
            errors={"until": [_("A pause lasts at most %(days)d days.") % {"days": MAX_PAUSE_DAYS}]},
        )
    memberships = active_memberships(member)
    target = periods.covering(memberships, paused_from)
    if target is None:
        raise Conflict(_("No membership covers the first day of the pause."), "no_covering_membership")
    if any(p.paused_until >= today for m in memberships for p in m.pauses.all()):
        raise Conflict(_("The member already has a pause; resume it first."), "already_paused")
    chain = periods.stacked_after(target, memberships)
    _check_horizon(max(m.expires_on for m in [target, *chain]) + timedelta(days=days), "until")
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
    memberships = active_memberships(member)
    pauses = sorted(
        (p for m in memberships for p in m.pauses.all() if p.paused_until >= today), key=lambda p: p.paused_from
    )
    if not pauses:
        raise Conflict(_("The member is not paused."), "not_paused")
    pause = pauses[0]
    target = next(m for m in memberships if m.pk == pause.membership_id)
    new_until, unused = periods.pause_resumed(
        paused_from=pause.paused_from, paused_until=pause.paused_until, today=today
    )
    chain = periods.stacked_after(target, memberships)
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


