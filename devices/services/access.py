"""Decisions at the door. A terminal that matched a finger asks here; attendance's
`attendance_check_in` decides (source device), the same decision as the front desk's.

Each event is recorded once per (device, event_id): the device row is locked while the
event is looked up, decided and recorded, and the unique constraint backs it up, so a
terminal that resends after a dropped connection gets the first answer again and the
visit is recorded once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendance.models import AttendanceSource, DenialReason
from attendance.services import attendance_check_in
from gymsite.accounts.audit import Actor
from gymsite.core import dates
from gymsite.core.errors import Invalid, NotFound
from members.models import Member

from ..models import Device, DeviceEvent, DeviceEventResult, DeviceEventType

# A terminal's clock may run ahead; more than this is a broken clock, refused.
MAX_DEVICE_CLOCK_AHEAD = timedelta(hours=24)
UNKNOWN_MEMBER = "unknown_member"


@dataclass(frozen=True)
class AccessAnswer:
    granted: bool
    reason: str  # "" when granted; a DenialReason value or "unknown_member"
    user_id: int | None  # as the terminal named the member
    member: Member | None
    event: DeviceEvent
    replayed: bool = False


def check_device_time(device_time: datetime | None, now: datetime) -> None:
    if device_time is None:
        return
    if timezone.is_naive(device_time) or not dates.datetime_in_window(device_time):
        raise Invalid(_("device_time must be a date and time with its offset."), "invalid_device_time")
    if device_time > now + MAX_DEVICE_CLOCK_AHEAD:
        raise Invalid(_("device_time is more than 24 hours ahead."), "device_time_in_future")


def _answer(event: DeviceEvent, user_id: int | None, *, replayed: bool, member: Member | None = None) -> AccessAnswer:
    if member is None and event.member_id:
        member = Member.objects.filter(pk=event.member_id).first()
    return AccessAnswer(
        granted=event.result == DeviceEventResult.GRANTED,
        reason=event.reason,
        user_id=user_id,
        member=member,
        event=event,
        replayed=replayed,
    )


@transaction.atomic
def device_access(
    *,
    device: Device,
    actor: Actor,
    user_id: int | None,
    event_id: str | None = None,
    device_time: datetime | None = None,
) -> AccessAnswer:
    """Decide on a terminal's match (`user_id`) or non-match (None, user_not_found).

    Granted when attendance lets the member in, or when the member already has today's
    visit (re-entry: no second visit). The visit is recorded at `device_time` when the
    event was buffered offline (an earlier time), else now."""
    now = timezone.now()
    check_device_time(device_time, now)
    event_id = (event_id or "")[:64] or uuid.uuid4().hex
    Device.objects.select_for_update().filter(pk=device.pk).first()
    seen = DeviceEvent.objects.filter(device=device, event_id=event_id).first()
    if seen is not None:
        return _answer(seen, user_id, replayed=True)

    at = min(device_time, now) if device_time is not None else now
    member, reason = None, UNKNOWN_MEMBER
    if user_id is not None:
        try:
            decision = attendance_check_in(
                actor=actor,
                source=AttendanceSource.DEVICE,
                member_id=user_id,
                gym_id=device.gym_id,
                at=at,
                device_label=device.name,
                device_id=device.pk,
            )
        except NotFound:
            pass
        else:
            member = decision.member
            reentry = decision.reason == DenialReason.ALREADY_CHECKED_IN
            reason = "" if decision.granted or reentry else decision.reason
    event = DeviceEvent.objects.create(
        device=device,
        type=DeviceEventType.USER_FOUND if user_id is not None else DeviceEventType.USER_NOT_FOUND,
        event_id=event_id,
        device_time=device_time,
        member=member,
        result=DeviceEventResult.DENIED if reason else DeviceEventResult.GRANTED,
        reason=reason,
    )
    return _answer(event, user_id, replayed=False, member=member)
