"""Writes on payments: record, void; and the payment terms of a sale (used by memberships).

A payment is never edited: a mistake is voided (kept, flagged, out of every sum) and the
right one recorded."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.core.errors import Conflict, Invalid
from members.models import Member

from ..models import Membership, Payment, PaymentMethod, Plan
from .plans import money


def _check_method(method: str) -> None:
    if method not in PaymentMethod.values:
        raise Invalid(
            _("Use cash, card or transfer."), "invalid_method", errors={"method": [_("Use cash, card or transfer.")]}
        )


def _check_amount(amount: Decimal) -> None:
    if amount <= 0:
        raise Invalid(
            _("The amount must be greater than zero."),
            "amount_not_positive",
            errors={"amount": [_("The amount must be greater than zero.")]},
        )


def payment_terms(*, plan: Plan, amount, method) -> tuple[Decimal | None, str | None]:
    """The (amount, method) of a sale of `plan`: a payment is recorded when a method is
    given; its amount defaults to the plan's price. An amount without a method is refused
    (we would not know how it was paid)."""
    if method in (None, ""):
        if amount is not None:
            raise Invalid(
                _("Say how the amount was paid."), "method_required", errors={"method": [_("This field is required.")]}
            )
        return None, None
    _check_method(method)
    amount = plan.price if amount is None else money(amount)
    _check_amount(amount)
    return amount, method


def payment_create(
    *, actor: Actor, member: Member, amount: Decimal, method: str, membership: Membership | None = None, notes: str = ""
) -> Payment:
    """Write and audit a payment already checked (inside the caller's transaction)."""
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
    amount = money(amount)
    _check_amount(amount)
    _check_method(method)
    membership = None
    if membership_id is not None:
        membership = Membership.objects.filter(pk=membership_id, member=member).first()
        if membership is None:
            raise Invalid(
                _("Membership not found for this member."),
                "membership_not_found",
                errors={"membership": [_("Membership not found for this member.")]},
            )
    return payment_create(actor=actor, member=member, amount=amount, method=method, membership=membership, notes=notes)


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
