"""The WebSocket router: Channels' URLRouter, refusing a path it has no route for."""

from __future__ import annotations

import logging

from channels.routing import URLRouter as ChannelsURLRouter

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
