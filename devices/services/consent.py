"""A member's biometric consent: recorded by the front desk, withdrawn on request
(withdrawing deletes the member's templates)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.core.errors import Conflict
from members.models import Member
from members.services import member_lock

from ..models import BiometricConsent
from ..selectors import consent_in_force
from .templates import templates_delete

# The version of the consent text members sign; a new text gets a new version.
CURRENT_TEXT_VERSION = "2025-01"


@transaction.atomic
def consent_record(*, actor: Actor, member: Member, text_version: str = "") -> BiometricConsent:
    """Record that the member consents (409 `consent_exists` when a consent is in force)."""
    member = member_lock(member_id=member.pk)
    if consent_in_force(member) is not None:
        raise Conflict(_("This member's consent is already on record."), "consent_exists")
    try:
        with transaction.atomic():
            consent = BiometricConsent.objects.create(
                member=member,
                given_at=timezone.now(),
                given_by=actor.user,
                text_version=text_version or CURRENT_TEXT_VERSION,
            )
    except IntegrityError:  # a concurrent writer that did not lock the member
        raise Conflict(_("This member's consent is already on record."), "consent_exists")
    audit_record(
        actor=actor,
        action="biometric_consent.given",
        target=member,
        data={"consent_id": consent.pk, "text_version": consent.text_version},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: Actor, member: Member) -> int:
    """Withdraw the consent in force and delete the member's templates; returns how many
    templates were deleted. Without a consent in force: 409 `consent_missing`."""
    member = member_lock(member_id=member.pk)
    consent = consent_in_force(member)
    if consent is None:
        raise Conflict(_("This member has no consent on record."), "consent_missing")
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor.user
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    deleted = templates_delete(actor=actor, member=member, reason="consent_withdrawn")
    audit_record(
        actor=actor,
        action="biometric_consent.withdrawn",
        target=member,
        data={"consent_id": consent.pk, "templates_deleted": deleted},
    )
    return deleted
