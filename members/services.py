"""Writes on members. Keyword-only, typed, atomic, raising domain errors (DESIGN.md)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gymsite.core.errors import Invalid, NotFound

from .models import Member

SUMMARY_FIELDS = (
    "current_plan_id",
    "current_plan_name",
    "membership_since",
    "membership_starts_on",
    "expires_on",
    "paused_from",
    "paused_until",
)


def member_lock(*, member_id: int) -> Member:
    """The member row locked FOR UPDATE (with its gym loaded), for services that change
    the member's memberships. The caller must be inside a transaction."""
    try:
        locked = Member.objects.select_for_update(of=("self",)).select_related("gym")
        return locked.get(pk=member_id)
    except Member.DoesNotExist:
        raise NotFound(_("Member not found."), "member_not_found") from None


def member_membership_summary_set(
    *,
    member: Member,
    current_plan_id: int | None,
    current_plan_name: str,
    membership_since: date | None,
    membership_starts_on: date | None,
    expires_on: date | None,
    paused_from: date | None,
    paused_until: date | None,
) -> Member:
    """Write the membership summary on the member (billing calls this whenever a membership
    changes). The caller holds the member's row lock and the transaction; this only writes
    the seven summary fields (and updated_at), nothing else on the row."""
    if (paused_from is None) != (paused_until is None) or (
        paused_from is not None and paused_until < paused_from
    ):
        raise Invalid(_("A pause needs a start and an end on or after it."), "invalid_pause")
    member.current_plan_id = current_plan_id
    member.current_plan_name = current_plan_name or ""
    member.membership_since = membership_since
    member.membership_starts_on = membership_starts_on
    member.expires_on = expires_on
    member.paused_from = paused_from
    member.paused_until = paused_until
    with transaction.atomic():
        member.save(update_fields=[*SUMMARY_FIELDS, "updated_at"])
    return member
