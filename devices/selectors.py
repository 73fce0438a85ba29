"""Reads: consent in force, and the template set a terminal downloads (whole, or what
changed since its cursor)."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from gymsite.core.errors import Invalid
from members.models import Member

from . import crypto
from .models import BiometricConsent, FingerprintTemplate, TemplateSequence, TemplateTombstone

logger = logging.getLogger(__name__)


def consent_in_force(member: Member) -> BiometricConsent | None:
    return BiometricConsent.objects.filter(member=member, withdrawn_at__isnull=True).first()


def require_consent(member: Member) -> BiometricConsent:
    consent = consent_in_force(member)
    if consent is None:
        raise Invalid(
            _("The member has not given consent to keep their fingerprints."), "consent_required"
        )
    return consent


def current_sequence(gym_id: int) -> int:
    return TemplateSequence.objects.filter(gym_id=gym_id).values_list("value", flat=True).first() or 0


@dataclass
class TemplateSet:
    data: list[dict] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    cursor: int = 0
    full: bool = True
    unreadable: int = 0  # rows no key opened (logged, left out)


def template_set(*, gym_id: int, since: int | None = None, chunk_size: int = 2000) -> TemplateSet:
    """The templates of the gym's members, decrypted, one entry per member with
    fingerprint1 and fingerprint2 (base64 as the terminal sent them, or None).

    `since` None (or a cursor ahead of the gym's, after a restore): every member, `full`.
    Otherwise only members with a template changed after `since`, and in `deleted` the
    members whose templates were all deleted since. The cursor is read first, so anything
    it counts is in the answer (a change committed meanwhile may come twice, never not at
    all)."""
    cursor = current_sequence(gym_id)
    result = TemplateSet(cursor=cursor, full=since is None or since > cursor)
    rows = FingerprintTemplate.objects.filter(gym_id=gym_id, member__gym_id=gym_id)
    if not result.full:
        changed = rows.filter(seq__gt=since).values("member_id")
        rows = rows.filter(member_id__in=changed)
    rows = rows.order_by("member_id", "finger").values_list(
        "member_id", "finger", "ciphertext", "key_id", "member__first_name", "member__last_name"
    )
    entry: dict | None = None
    for member_id, finger, ciphertext, key_id, first_name, last_name in rows.iterator(chunk_size=chunk_size):
        if entry is None or entry["id"] != member_id:
            entry = {
                "id": member_id,
                "full_name": f"{first_name} {last_name}".strip(),
                "fingerprint1": None,
                "fingerprint2": None,
            }
            result.data.append(entry)
        try:
            plain = crypto.decrypt_template(ciphertext, key_id=key_id, member_id=member_id, finger=finger)
        except crypto.TemplateDecryptError:
            result.unreadable += 1
            logger.error("fingerprint template of member %s finger %s does not decrypt", member_id, finger)
            continue
        entry[f"fingerprint{finger}"] = base64.b64encode(plain).decode("ascii")
    if not result.full:
        present = {item["id"] for item in result.data}
        gone = (
            TemplateTombstone.objects.filter(gym_id=gym_id, seq__gt=since)
            .exclude(member_id__in=FingerprintTemplate.objects.filter(gym_id=gym_id, member__gym_id=gym_id).values("member_id"))
            .values_list("member_id", flat=True)
            .distinct()
        )
        result.deleted = sorted(set(gone) - present)
    return result
