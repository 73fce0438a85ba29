"""/ws/user/{member_id}?token=<staff JWT>: the front-desk screen that follows one member's
enrollment (seed 001's "user connection"). It sees the member's captures, stored fingers
and completed enrollment, and every decision at the gym's doors (access_event)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gymsite.accounts.roles import role_can
from gymsite.accounts.scoping import user_can_see_gym
from gymsite.core.asyncdb import database_sync_to_async
from members.models import Member

from .. import notify
from . import auth, enrollment, presence, protocol
from .base import ProtocolConsumer, scope_language

DESK_PERMISSION = "devices.consent"  # the front desk, who enrolls fingerprints


def _desk_member(token: str | None, member_id: int):
    """(close code or None, user, member)."""
    user = auth.staff_by_token(token) if token else None
    if user is None:
        return auth.UNAUTHENTICATED, None, None
    if not role_can(user.role, DESK_PERMISSION):
        return auth.FORBIDDEN, user, None
    member = Member.objects.select_related("gym").filter(pk=member_id).first()
    if member is None:
        return (auth.NOT_FOUND if user.is_admin else auth.FORBIDDEN), user, None
    if not user_can_see_gym(user, member.gym_id):
        return auth.FORBIDDEN, user, None
    return None, user, member


class DeskConsumer(ProtocolConsumer):
    presence_kind = presence.DESK

    async def connect(self) -> None:
        member_id = int(self.scope["url_route"]["kwargs"]["member_id"])
        refusal, self.user, self.member = await database_sync_to_async(_desk_member)(
            auth.scope_token(self.scope), member_id
        )
        if refusal is not None:
            return await self.refuse(refusal)
        self.budget.belong_to(f"user:{self.user.pk}")  # every screen of this staff user shares it
        self.language = scope_language(self.scope, self.member.gym.language)
        await self.accept()
        await self.join(
            (notify.member_group(self.member.pk), notify.desks_group(self.member.gym_id)),
            self.member.pk,
            gym=self.member.gym_id,
        )
        await self.send_frame({"type": "connected", "user_id": str(self.member.pk)})

    def is_authenticated(self) -> bool:
        return self.member is not None

    async def on_fingerprint_connected(self, message: dict) -> None:
        gym_id = protocol.member_id_of(message.get("gym_id"))
        if gym_id is None:
            raise protocol.missing("gym_id")
        await self._ask_terminals(gym_id, self.member.pk, established=True)

    async def on_user(self, message: dict) -> None:
        member_id = protocol.member_id_of(message.get("user_id"))
        if member_id is None:
            raise protocol.missing("user_id")
        await self._ask_terminals(self.member.gym_id, member_id, established=False)

    async def _ask_terminals(self, gym_id: int, member_id: int, *, established: bool) -> None:
        """Tell the gym's terminals to enroll the member, when one is connected."""
        connected = gym_id == self.member.gym_id and await database_sync_to_async(presence.terminals_connected)(gym_id)
        if not connected:
            raise protocol.FrameError(_(protocol.GYM_CONNECTION_NOT_FOUND), "gym_connection_not_found")
        frame = await enrollment.member_to_enroll({"user_id": member_id}, gym_id)
        if established:
            await self.send_frame({"type": "fingerprint_connection_stablished", "gym_id": str(gym_id)})
        await self.channel_layer.group_send(notify.terminals_group(gym_id), notify.push_message(frame))
