"""Fingerprint terminals: created with a token shown once, changed, revoked; and the
terminal a staff login at a door stands for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.models import Gym, User
from gymsite.core.changes import apply_changes, check_editable
from gymsite.core.errors import Conflict, Invalid

from ..models import DEVICE_TOKEN_PREFIX, Device, hash_device_token, new_device_token

EDITABLE_FIELDS = ("name", "serial", "is_active")
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
# The serial of the terminal a staff login stands for (seed 001's login message).
LOGIN_SERIAL = "login:{user_id}"


@dataclass(frozen=True)
class CreatedDevice:
    device: Device
    token: str  # shown once


def _check_serial_free(gym_id: int, serial: str, exclude_pk: int | None = None) -> None:
    if not serial:
        return
    taken = Device.objects.filter(gym_id=gym_id, serial=serial)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        message = _("A terminal with this serial number already exists in this gym.")
        raise Invalid(message, "serial_taken", errors={"serial": [message]})


def _new_token_fields() -> tuple[str, dict[str, str]]:
    raw = new_device_token()
    return raw, {"token_hash": hash_device_token(raw), "token_prefix": raw[: len(DEVICE_TOKEN_PREFIX) + 4]}


@transaction.atomic
def device_create(*, actor: Actor, gym: Gym, name: str, serial: str = "") -> CreatedDevice:
    _check_serial_free(gym.pk, serial)
    raw, token_fields = _new_token_fields()
    device = Device.objects.create(gym=gym, name=name, serial=serial, **token_fields)
    audit_record(actor=actor, action="device.created", target=device, data={"name": name, "serial": serial})
    return CreatedDevice(device=device, token=raw)


@transaction.atomic
def device_update(*, actor: Actor, device: Device, changes: dict[str, Any]) -> Device:
    """Change a terminal's EDITABLE_FIELDS. A revoked terminal stays revoked (409 when
    asked to become active again)."""
    check_editable(changes, EDITABLE_FIELDS)
    device = Device.objects.select_for_update().get(pk=device.pk)
    if changes.get("is_active") and device.revoked_at is not None:
        raise Conflict(_("A revoked terminal cannot be activated again; create a new one."), "device_revoked")
    changed = apply_changes(device, changes)
    if not changed:
        return device
    if "serial" in changed:
        _check_serial_free(device.gym_id, device.serial, exclude_pk=device.pk)
    device.save(update_fields=[*changed, "updated_at"])
    audit_record(actor=actor, action="device.changed", target=device, data={"changes": changed})
    return device


@transaction.atomic
def device_revoke(*, actor: Actor, device: Device) -> Device:
    """The terminal's token stops working for good; its history stays."""
    device = Device.objects.select_for_update().get(pk=device.pk)
    if device.revoked_at is None:
        device.is_active = False
        device.revoked_at = timezone.now()
        device.save(update_fields=["is_active", "revoked_at", "updated_at"])
        audit_record(actor=actor, action="device.revoked", target=device)
    return device


@transaction.atomic
def device_delete(*, actor: Actor, device: Device) -> None:
    """Remove a terminal and its events (the admin's delete); visits keep its label."""
    audit_record(actor=actor, action="device.deleted", target=device, data={"name": device.name})
    device.delete()


def device_by_token(raw: str) -> Device | None:
    """The active terminal a token names, or None."""
    if not raw.startswith(DEVICE_TOKEN_PREFIX):
        return None
    return (
        Device.objects.select_related("gym")
        .filter(token_hash=hash_device_token(raw), is_active=True)
        .first()
    )


@transaction.atomic
def device_for_login(*, gym: Gym, user: User) -> Device:
    """The terminal a staff login at `gym`'s door stands for (seed 001 logs terminals in
    with a trainer's or admin's password): one per user and gym, created on first login,
    so its decisions are recorded, deduplicated and shown like a token terminal's. Its
    token is never shown; revoking it refuses that user's logins at that gym's doors."""
    serial = LOGIN_SERIAL.format(user_id=user.pk)
    device = Device.objects.filter(gym=gym, serial=serial).first()
    if device is None:
        _raw, token_fields = _new_token_fields()
        device, created = Device.objects.get_or_create(
            gym=gym,
            serial=serial,
            defaults={"name": _("Terminal of %(user)s") % {"user": user.username}, **token_fields},
        )
        if created:
            audit_record(actor=Actor(user=user), action="device.created", target=device, data={"serial": serial})
    return device


def device_seen(*, device: Device, app_version: str | None = None) -> None:
    """Note that the terminal is connected (at most one write a minute)."""
    now = timezone.now()
    updates: dict[str, Any] = {}
    if device.last_seen_at is None or now - device.last_seen_at >= LAST_SEEN_RESOLUTION:
        updates["last_seen_at"] = now
    if app_version is not None and app_version[:60] != device.app_version:
        updates["app_version"] = app_version[:60]
    if updates:
        Device.objects.filter(pk=device.pk).update(**updates)
        for name, value in updates.items():
            setattr(device, name, value)
