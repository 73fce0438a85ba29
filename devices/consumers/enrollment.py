"""The member a terminal is told to enroll (the `user` message, from the terminal or the
front desk): a member of the terminal's gym with their consent on record."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gymsite.core.asyncdb import database_sync_to_async
from gymsite.core.errors import DomainError
from members.models import Member

from ..selectors import require_consent
from . import protocol


def start_enrollment_frame(member: Member) -> dict:
    return {
        "type": "start_enrollment",
        "user_id": str(member.pk),
        "full_name": member.full_name,
        "email": member.email,
    }


def enrolling_from(frame: dict) -> dict:
    return {"id": int(frame["user_id"]), "full_name": frame["full_name"]}


def _member_to_enroll(member_id: int, gym_id: int) -> dict:
    member = Member.objects.filter(pk=member_id, gym_id=gym_id).first()
    if member is None:
        raise protocol.FrameError(_("Member not found."), "member_not_found")
    try:
        require_consent(member)
    except DomainError as error:
        raise protocol.FrameError(str(error.detail), error.code) from None
    return start_enrollment_frame(member)


async def member_to_enroll(message: dict, gym_id: int) -> dict:
    """The start_enrollment frame for the message's user_id, or FrameError."""
    member_id = protocol.member_id_of(message.get("user_id"))
    if member_id is None:
        raise protocol.missing("user_id")
    return await database_sync_to_async(_member_to_enroll)(member_id, gym_id)
