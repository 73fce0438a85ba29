"""Fingerprint templates: stored encrypted, replaced finger by finger, deleted with a
tombstone; every change takes its gym's next sync number (devices/models.py) and tells the
gym's terminals once committed."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.core.errors import Invalid
from members.models import Member
from members.services import member_lock

from .. import crypto, notify
from ..models import (
    FINGERS,
    MAX_TEMPLATE_BYTES,
    Device,
    FingerprintTemplate,
    TemplateSequence,
    TemplateTombstone,
)
from ..selectors import TemplateSet, require_consent, template_set


def next_sequence(gym_id: int) -> int:
    """The gym's next sync number. The counter row stays locked until the caller's
    transaction commits, so numbers commit in the order they are given: a terminal whose
    cursor is N has seen every change numbered N or less."""
    TemplateSequence.objects.bulk_create([TemplateSequence(gym_id=gym_id)], ignore_conflicts=True)
    row = TemplateSequence.objects.select_for_update().get(gym_id=gym_id)
    row.value += 1
    row.save(update_fields=["value"])
    return row.value


@dataclass(frozen=True)
class StoredTemplate:
    template: FingerprintTemplate
    fingers: tuple[int, ...]  # the member's fingers on record now

    @property
    def enrollment_complete(self) -> bool:
        return set(self.fingers) >= set(FINGERS)


def check_finger(finger) -> int:
    if isinstance(finger, bool) or finger not in FINGERS:
        raise Invalid(_("The finger must be 1 or 2."), "invalid_finger")
    return int(finger)


@transaction.atomic
def template_store(
    *, actor: Actor, member: Member, finger: int, template: bytes, format: str = ""
) -> StoredTemplate:
    """Encrypt and store `template` for the member's finger, replacing the one there.
    Needs the member's consent in force (locked, so a withdrawal cannot slip between)."""
    finger = check_finger(finger)
    if not template:
        raise Invalid(_("Fingerprint data missing"), "fingerprint_missing")
    if len(template) > MAX_TEMPLATE_BYTES:
        raise Invalid(
            _("The fingerprint template is larger than %(size)d bytes.") % {"size": MAX_TEMPLATE_BYTES},
            "template_too_large",
        )
    member = member_lock(member_id=member.pk)
    require_consent(member)
    key_id, ciphertext = crypto.encrypt_template(template, member_id=member.pk, finger=finger)
    seq = next_sequence(member.gym_id)
    row, created = FingerprintTemplate.objects.update_or_create(
        member=member,
        finger=finger,
        defaults={
            "ciphertext": ciphertext,
            "key_id": key_id,
            "format": format[:40],
            "gym_id": member.gym_id,
            "seq": seq,
        },
    )
    fingers = tuple(FingerprintTemplate.objects.filter(member=member).order_by("finger").values_list("finger", flat=True))
    # Never the template in the log: which finger, and whether it was new.
    audit_record(
        actor=actor,
        action="fingerprint.stored",
        target=member,
        data={"finger": finger, "replaced": not created},
    )
    notify.templates_changed_on_commit(gym_id=member.gym_id, cursor=seq)
    return StoredTemplate(template=row, fingers=fingers)


def record_tombstone(*, gym_id: int, member_id: int, finger: int) -> int:
    """The tombstone of a deleted template under a new sync number; the gym's terminals
    are told once it commits."""
    seq = next_sequence(gym_id)
    TemplateTombstone.objects.create(gym_id=gym_id, member_id=member_id, finger=finger, seq=seq)
    notify.templates_changed_on_commit(gym_id=gym_id, cursor=seq)
    return seq


@transaction.atomic
def templates_delete(*, actor: Actor, member: Member, reason: str) -> int:
    """Delete the member's templates (all fingers); returns how many."""
    rows = list(
        FingerprintTemplate.objects.select_for_update().filter(member=member).values_list("pk", "finger")
    )
    if not rows:
        return 0
    # Each deleted row leaves its tombstone (devices/bookkeeping.py, as when the member
    # is deleted with their templates).
    FingerprintTemplate.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
    audit_record(
        actor=actor,
        action="fingerprint.deleted",
        target=member,
        data={"fingers": sorted(f for _, f in rows), "reason": reason},
    )
    return len(rows)


@transaction.atomic
def templates_rotate_keys(*, batch_size: int = 500) -> int:
    """Re-encrypt every template not sealed with the first key of FINGERPRINT_KEYS;
    returns how many. Rows stay what they were (no sync number: terminals see no change)."""
    ring = crypto.keyring()
    count = 0
    stale = FingerprintTemplate.objects.exclude(key_id=ring.current_id).order_by("pk")
    for row in stale.select_for_update().iterator(chunk_size=batch_size):
        plain = crypto.decrypt_template(row.ciphertext, key_id=row.key_id, member_id=row.member_id, finger=row.finger)
        key_id, ciphertext = crypto.encrypt_template(plain, member_id=row.member_id, finger=row.finger)
        FingerprintTemplate.objects.filter(pk=row.pk).update(key_id=key_id, ciphertext=ciphertext)
        count += 1
    audit_record(actor=Actor.system(), action="fingerprint.keys_rotated", data={"count": count, "key_id": ring.current_id})
    return count


def templates_follow_members(*, gym_id: int) -> int:
    """Move the templates of members who changed gyms (to or from `gym_id`) to their
    member's gym: a tombstone under the old gym's next number, so its terminals delete
    them, and the new gym's next number, so its terminals fetch them. Members know nothing
    of devices, so the move is caught here, before every download of either gym. Each
    template moves in a transaction of its own, taking the two gyms' counters in id order
    (two downloads of the two gyms at once cannot deadlock). Returns how many moved."""
    moved = 0
    stale = FingerprintTemplate.objects.filter(
        (Q(member__gym_id=gym_id) & ~Q(gym_id=gym_id)) | (Q(gym_id=gym_id) & ~Q(member__gym_id=gym_id))
    ).values_list("pk", flat=True)
    for pk in list(stale):
        with transaction.atomic():
            row = (
                FingerprintTemplate.objects.select_for_update(of=("self",))
                .select_related("member")
                .filter(pk=pk)
                .first()
            )
            if row is None or row.gym_id == row.member.gym_id:  # deleted or moved meanwhile
                continue
            old_gym, new_gym = row.gym_id, row.member.gym_id
            for counter in sorted((old_gym, new_gym)):  # lock both counters in id order
                TemplateSequence.objects.bulk_create([TemplateSequence(gym_id=counter)], ignore_conflicts=True)
                TemplateSequence.objects.select_for_update().get(gym_id=counter)
            record_tombstone(gym_id=old_gym, member_id=row.member_id, finger=row.finger)
            seq = next_sequence(new_gym)
            FingerprintTemplate.objects.filter(pk=row.pk).update(gym_id=new_gym, seq=seq)
            notify.templates_changed_on_commit(gym_id=new_gym, cursor=seq)
            moved += 1
    return moved


def templates_download(*, actor: Actor, device: Device, since: int | None) -> TemplateSet:
    """The templates a terminal downloads (selectors.template_set), audited: which
    terminal, how many members. Templates of members who moved gyms follow them first."""
    templates_follow_members(gym_id=device.gym_id)
    result = template_set(gym_id=device.gym_id, since=since)
    audit_record(
        actor=actor,
        action="fingerprint.templates_downloaded",
        target=device,
        data={
            "device_id": device.pk,
            "count": len(result.data),
            "deleted": len(result.deleted),
            "since": since,
            "cursor": result.cursor,
        },
    )
    return result
