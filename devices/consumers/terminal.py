"""/ws/gym/{gym_id}: a fingerprint terminal (seed 001's "gym connection").

It authenticates with its device token (?token= or Authorization) or with seed 001's
login message; until then every other message is an error. Then it enrolls members
(user, finger1_captured, store_fingerprint), downloads templates and asks for decisions
(user_found, user_not_found)."""

from __future__ import annotations

import base64
import binascii

from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from gymsite.accounts.audit import Actor
from gymsite.accounts.models import Gym
from gymsite.core.asyncdb import database_sync_to_async
from gymsite.core.errors import DomainError
from members.models import Member

from .. import notify
from ..models import Device
from ..services import access, templates
from ..services.terminals import device_seen
from . import auth, enrollment, presence, protocol
from .base import ProtocolConsumer, scope_language


class TerminalConsumer(ProtocolConsumer):
    presence_kind = presence.TERMINAL

    async def connect(self) -> None:
        self.gym_id = int(self.scope["url_route"]["kwargs"]["gym_id"])
        self.device: Device | None = None
        self.actor: Actor | None = None
        self.enrolling: dict | None = None  # the member being enrolled: {"id", "full_name", "email"}
        gym_language = await database_sync_to_async(
            lambda: Gym.objects.filter(pk=self.gym_id).values_list("language", flat=True).first()
        )()
        self.language = scope_language(self.scope, gym_language or "")
        token = auth.scope_token(self.scope)
        if token is None:
            await self.accept()  # seed 001: the first message logs in
            return
        device = await database_sync_to_async(auth.terminal_by_token)(token)
        if device is None:
            return await self.refuse(auth.UNAUTHENTICATED)
        if device.gym_id != self.gym_id:
            return await self.refuse(auth.FORBIDDEN)
        await self.accept()
        await self._authenticated(device, Actor.device(device.name))

    async def _authenticated(self, device: Device, actor: Actor) -> None:
        self.device, self.actor = device, actor
        self.budget.belong_to(f"device:{device.pk}")  # every socket of this terminal shares it
        await database_sync_to_async(device_seen)(device=device)
        await self.join((notify.terminals_group(self.gym_id),), self.gym_id, gym=self.gym_id, device=device.pk)
        await self.send_frame({"type": "connected", "device_id": device.pk, "gym_id": str(self.gym_id)})

    def is_authenticated(self) -> bool:
        return self.device is not None

    def allowed_before_auth(self, kind: str) -> bool:
        return kind == "login"

    async def before_push(self, frame: dict) -> None:
        if frame.get("type") == "start_enrollment":  # asked by the front desk
            self.enrolling = enrollment.enrolling_from(frame)

    # --- messages ---------------------------------------------------------------------

    async def on_login(self, message: dict) -> None:
        data = message.get("login_data")
        if not isinstance(data, dict) or not all(isinstance(data.get(f), str) and data.get(f) for f in ("email", "password")):
            raise protocol.missing("login_data.email", "login_data.password")
        if self.device is not None:
            await self.send_frame({"type": "connected", "device_id": self.device.pk, "gym_id": str(self.gym_id)})
            return
        outcome = await database_sync_to_async(auth.terminal_login)(
            gym_id=self.gym_id, email=data["email"], password=data["password"], ip=auth.scope_ip(self.scope)
        )
        if outcome.refused == "credentials":
            raise protocol.FrameError(_(protocol.INVALID_CREDENTIALS), "invalid_credentials")
        if outcome.refused == "throttled":
            raise protocol.FrameError(
                _("Too many attempts. Try again later."), "throttled", retry_after=outcome.retry_after
            )
        if outcome.refused:
            code = "gym_not_found" if outcome.refused == "gym_not_found" else "permission_denied"
            text = _("Gym not found.") if code == "gym_not_found" else _("Only an admin or a trainer of this gym may connect a terminal.")
            await self.send_frame({"type": "error", "error": text, "code": code})
            await self.close(code=auth.NOT_FOUND if code == "gym_not_found" else auth.FORBIDDEN)
            return
        await self._authenticated(outcome.device, Actor(user=outcome.user, device_label=outcome.device.name))

    async def on_user(self, message: dict) -> None:
        member = await enrollment.member_to_enroll(message, self.gym_id)
        self.enrolling = enrollment.enrolling_from(member)
        await self.send_frame(member)

    async def on_finger1_captured(self, message: dict) -> None:
        member_id = self._enrolling_id("error")
        frame = {**message, "type": "finger1_captured", "user_id": str(member_id)}
        await self.channel_layer.group_send(notify.member_group(member_id), notify.push_message(frame))

    async def on_enrollment_completed(self, message: dict) -> None:
        member_id = self._enrolling_id("error")
        self.enrolling = None
        await self.channel_layer.group_send(
            notify.member_group(member_id),
            notify.push_message({"type": "enrollment_completed", "user_id": str(member_id)}),
        )

    async def on_store_fingerprint(self, message: dict) -> None:
        data, finger = message.get("fingerprint_data"), message.get("finger")
        if data in (None, "") or finger is None:
            raise protocol.FrameError(_(protocol.FINGERPRINT_MISSING), "fingerprint_missing", type="store_error")
        member_id = self._enrolling_id("store_error")
        if not isinstance(data, str):
            raise protocol.FrameError(_("fingerprint_data must be base64 text."), "invalid_base64", type="store_error")
        try:
            template = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise protocol.FrameError(_("fingerprint_data must be base64 text."), "invalid_base64", type="store_error") from None
        try:
            stored = await database_sync_to_async(store_template)(
                self.actor, member_id, finger, template, str(message.get("format") or "")
            )
        except DomainError as error:
            raise protocol.FrameError(str(error.detail), error.code, type="store_error") from None
        done = {"type": "fingerprint_stored", "message": _(protocol.FINGERPRINT_STORED), "user_id": str(member_id), "finger": stored.template.finger}
        await self.send_frame(done)
        await self.channel_layer.group_send(notify.member_group(member_id), notify.push_message(done))
        if stored.enrollment_complete:
            completed = {"type": "enrollment_completed", "user_id": str(member_id)}
            self.enrolling = None
            await self.send_frame(completed)
            await self.channel_layer.group_send(notify.member_group(member_id), notify.push_message(completed))

    async def on_download_templates(self, message: dict) -> None:
        since = message.get("since")
        if since is not None and (isinstance(since, bool) or not isinstance(since, int) or since < 0):
            raise protocol.missing("since")
        result = await database_sync_to_async(templates.templates_download)(
            actor=self.actor, device=self.device, since=since
        )
        frames = protocol.template_set_frames(
            data=[{**item, "id": str(item["id"])} for item in result.data],
            deleted=[str(member_id) for member_id in result.deleted],
            cursor=result.cursor,
            full=result.full,
        )
        for frame in frames:
            await self.send(text_data=frame)

    async def on_user_found(self, message: dict) -> None:
        user_id = protocol.member_id_of(message.get("user_id"))
        if user_id is None:
            raise protocol.missing("user_id")
        await self._decide(message, user_id)

    async def on_user_not_found(self, message: dict) -> None:
        await self._decide(message, None)

    # --- helpers ----------------------------------------------------------------------

    def _enrolling_id(self, reply_type: str) -> int:
        if self.enrolling is None:
            raise protocol.FrameError(_("No enrollment in progress."), "no_enrollment", type=reply_type)
        return self.enrolling["id"]

    async def _decide(self, message: dict, user_id: int | None) -> None:
        event_id = message.get("event_id")
        if event_id is not None and (not isinstance(event_id, str | int) or isinstance(event_id, bool) or not str(event_id).strip() or len(str(event_id)) > 64):
            raise protocol.missing("event_id")
        device_time = None
        if message.get("device_time") is not None:
            raw = message["device_time"]
            try:
                device_time = parse_datetime(raw) if isinstance(raw, str) else None
            except ValueError:
                device_time = None
            if device_time is None:
                raise protocol.missing("device_time")
        try:
            answer = await database_sync_to_async(access.device_access)(
                device=self.device,
                actor=self.actor,
                user_id=user_id,
                event_id=str(event_id) if event_id is not None else None,
                device_time=device_time,
            )
        except DomainError as error:
            raise protocol.FrameError(str(error.detail), error.code) from None
        member = answer.member
        shown_id = str(user_id) if user_id is not None else None
        common = {"user_id": shown_id, "event_id": answer.event.event_id}
        if answer.granted:
            reply = {
                "type": "access_granted",
                **common,
                "full_name": member.full_name,
                "expires_on": member.expires_on.isoformat() if member.expires_on else None,
            }
        else:
            reply = {"type": "access_denied", **common, "reason": answer.reason}
        await self.send_frame(reply)
        if not answer.replayed:
            event = {
                "type": "access_event",
                "result": "granted" if answer.granted else "denied",
                "reason": answer.reason,
                **common,
                "full_name": member.full_name if member else None,
                "device_id": self.device.pk,
                "device_name": self.device.name,
                "at": answer.event.received_at.isoformat(),
            }
            await self.channel_layer.group_send(notify.desks_group(self.gym_id), notify.push_message(event))


def store_template(actor: Actor, member_id: int, finger, template: bytes, format: str):
    member = Member.objects.filter(pk=member_id).first()
    if member is None:  # deleted during the enrollment
        raise DomainError(translation.gettext("Member not found."), "member_not_found")
    return templates.template_store(actor=actor, member=member, finger=finger, template=template, format=format)
