"""What both sockets share: frames in (size, JSON, dispatch by type, errors that keep the
socket open), frames out, the language of the texts, presence and the pushed frames."""

from __future__ import annotations

import logging

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from . import presence, protocol

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

    async def send_frame(self, frame: dict) -> None:
        await self.send(text_data=protocol.encode(frame))

    async def refuse(self, code: int) -> None:
        """Accept the handshake (so the client sees the code) and close with `code`."""
        await self.accept()
        await self.close(code=code)

    async def join(self, groups: tuple[str, ...], ident: int) -> None:
        self.groups_joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await presence.PRESENCE.add(self.channel_name, self.presence_kind, ident)

    async def disconnect(self, code) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        await presence.PRESENCE.remove(self.channel_name)

    def allowed_before_auth(self, kind: str) -> bool:
        return False

    def is_authenticated(self) -> bool:
        raise NotImplementedError

    async def receive(self, text_data=None, bytes_data=None) -> None:
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

    async def devices_push(self, event: dict) -> None:
        """A frame pushed to one of this socket's groups (devices.notify)."""
        await self.before_push(event["frame"])
        await self.send_frame(event["frame"])

    async def before_push(self, frame: dict) -> None:
        """A subclass's look at a pushed frame before it is sent on."""
