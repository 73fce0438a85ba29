"""What both sockets share: frames in (size, JSON, dispatch by type, errors that keep the
socket open), frames out, the language of the texts, presence and the pushed frames."""

from __future__ import annotations

import logging
import time

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from gymsite.core import metrics
from gymsite.core.errors import Unavailable
from gymsite.core.request_id import request_id_from_headers, set_current_request_id
from gymsite.core.throttling import SocketBudget

from . import presence, protocol
from .auth import UNAVAILABLE

logger = logging.getLogger("gymsite.devices")


def scope_language(scope, default: str) -> str:
    """The handshake's Accept-Language when we speak it, else `default`."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"accept-language":
            for code, _quality in parse_accept_lang_header(value.decode("latin-1")):
                try:
                    return translation.get_supported_language_variant(code)
                except LookupError:
                    continue
    return default or settings.LANGUAGE_CODE


class ProtocolConsumer(AsyncWebsocketConsumer):
    """Subclasses name their handlers `on_<type>` and set `presence_kind`."""

    presence_kind = ""
    language = settings.LANGUAGE_CODE
    groups_joined: tuple[str, ...] = ()
    accepted = False
    counted_gym: int | None = None  # the gym this socket counts in the metrics for

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The message budget: the socket's own until it knows who sends (the device, the
        # staff user: `budget.belong_to`), then theirs, shared by all their sockets, so a
        # reconnect does not refill it (gymsite.core.throttling). A terminal that floods
        # is refused without holding up the others.
        self.budget = SocketBudget.from_settings()
        self.throttle_notice_at = 0.0

    async def __call__(self, scope, receive, send):
        """The socket's log lines carry the handshake's X-Request-ID, or an id of its own.
        Redis down (the channel layer, the cache): an error frame service_unavailable and
        close code 4503, whatever step needed it, rather than a bare 1011 from the server."""
        set_current_request_id(request_id_from_headers(scope.get("headers", ())))
        try:
            await super().__call__(scope, receive, send)
        except Exception as exc:
            if not unavailable(exc):
                raise
            logger.warning("websocket refused: a service does not answer", exc_info=True)
            await self.close_unavailable()

    async def close_unavailable(self) -> None:
        with translation.override(self.language):
            frame = {"type": "error", "error": str(Unavailable.default_detail), "code": "service_unavailable"}
        try:
            if not self.accepted:
                await self.accept()
            await self.send_frame(frame)
            await self.close(code=UNAVAILABLE)
        except Exception:  # the client left meanwhile
            logger.debug("could not close the socket with 4503", exc_info=True)

    async def accept(self, subprotocol=None, headers=None) -> None:
        self.accepted = True
        await super().accept(subprotocol, headers)

    async def send_frame(self, frame: dict) -> None:
        await self.send(text_data=protocol.encode(frame))

    async def refuse(self, code: int) -> None:
        """Accept the handshake (so the client sees the code) and close with `code`."""
        await self.accept()
        await self.close(code=code)

    async def join(self, groups: tuple[str, ...], ident: int, *, gym: int, device: int | None = None) -> None:
        self.groups_joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await presence.PRESENCE.add(self.channel_name, self.presence_kind, ident)
        self.counted_gym = gym
        metrics.websocket_opened(gym=gym, kind=self.presence_kind)
        logger.info("websocket connected", extra={"path": self.scope.get("path"), "gym": gym, "device": device})

    async def disconnect(self, code) -> None:
        if self.counted_gym is not None:
            metrics.websocket_closed(gym=self.counted_gym, kind=self.presence_kind)
            logger.info("websocket disconnected (%s)", code, extra={"path": self.scope.get("path"), "gym": self.counted_gym})
            self.counted_gym = None
        try:
            for group in self.groups_joined:
                await self.channel_layer.group_discard(group, self.channel_name)
            await presence.PRESENCE.remove(self.channel_name)
        except Exception as exc:  # Redis down: its entries expire by themselves
            if not unavailable(exc):
                raise
            logger.warning("websocket left without its groups and presence cleared", exc_info=True)

    def allowed_before_auth(self, kind: str) -> bool:
        return False

    def is_authenticated(self) -> bool:
        raise NotImplementedError

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if not await self.budget.take():
            await self.refuse_flood()
            return
        with translation.override(self.language):
            try:
                message = protocol.parse(text_data, bytes_data)
                kind = message["type"]
                handler = getattr(self, f"on_{kind}", None)
                if handler is None:
                    raise protocol.unknown_type(kind)
                if not self.is_authenticated() and not self.allowed_before_auth(kind):
                    raise protocol.FrameError(translation.gettext("Log in first."), "not_authenticated")
                await handler(message)
            except protocol.FrameError as error:
                await self.send_frame(error.frame())

    async def refuse_flood(self) -> None:
        """A message over the budget is dropped unread; the sender hears
        "throttled" (with retry_after) at most once a second, however fast it sends."""
        metrics.observe_rate_limited("websocket")
        now = time.monotonic()
        if now - self.throttle_notice_at < 1:
            return
        self.throttle_notice_at = now
        with translation.override(self.language):
            error = protocol.FrameError(
                translation.gettext("Too many attempts. Try again later."), "throttled", retry_after=self.budget.retry_after()
            )
            await self.send_frame(error.frame())

    async def devices_push(self, event: dict) -> None:
        """A frame pushed to one of this socket's groups (devices.notify); its log lines
        carry the id of the request that caused it."""
        logger.debug(
            "push %s to %s", event["frame"].get("type"), self.channel_name, extra={"request_id": event.get("request_id") or "-"}
        )
        await self.before_push(event["frame"])
        await self.send_frame(event["frame"])

    async def before_push(self, frame: dict) -> None:
        """A subclass's look at a pushed frame before it is sent on."""


def unavailable(exc: BaseException) -> bool:
    """Redis (channel layer, cache) refused, timed out or went away; or a service said
    it cannot go on without it (Unavailable)."""
    from redis.exceptions import RedisError

    return isinstance(exc, Unavailable | RedisError | ConnectionError | TimeoutError)
