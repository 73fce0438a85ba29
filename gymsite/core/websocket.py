"""The WebSocket router: Channels' URLRouter, refusing a path it has no route for."""

from __future__ import annotations

import logging

from channels.routing import URLRouter as ChannelsURLRouter
from channels.security.websocket import OriginValidator
from django.conf import settings

logger = logging.getLogger("gymsite.server")

NO_ROUTE = "No route found for path"


class URLRouter(ChannelsURLRouter):
    """Channels' outermost URLRouter raises ValueError("No route found for path ...") for
    an unknown path: daphne answers the handshake with a 500 and logs a traceback, every
    time. Here the handshake is refused (HTTP 403, as for a refused Origin) and one line
    is logged at INFO."""

    async def __call__(self, scope, receive, send):
        answered = False

        async def tracking_send(message):
            nonlocal answered
            answered = True
            await send(message)

        try:
            return await super().__call__(scope, receive, tracking_send)
        except ValueError as exc:
            # Only the router's own refusal, before any consumer said anything.
            if answered or "path_remaining" in scope or not str(exc).startswith(NO_ROUTE):
                raise
        logger.info("WebSocket refused: no route for %s", scope.get("path"))
        await send({"type": "websocket.close"})


class _OriginOrNoneValidator(OriginValidator):
    def valid_origin(self, parsed_origin):
        # Browsers always send Origin; only a client that is no browser sends none.
        return parsed_origin is None or super().valid_origin(parsed_origin)


def AllowedHostsOrNoOriginValidator(application):  # noqa: N802 (named like Channels' own)
    """Channels' AllowedHostsOriginValidator, except that a handshake with no Origin passes.
    A browser page of another site (cross-site WebSocket hijacking) is still refused; a
    fingerprint terminal (seed 001's client sends no Origin) connects, and proves who it is
    with its token or login message, never with a cookie."""
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:
        allowed_hosts = ["localhost", "127.0.0.1", "[::1]"]
    return _OriginOrNoneValidator(application, allowed_hosts)
