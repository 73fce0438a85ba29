"""The channel-layer groups of devices and what the server pushes to them.

- `terminals_group(gym)`: the gym's connected terminals (templates_changed, start_enrollment
  asked by the front desk);
- `desks_group(gym)`: the gym's front-desk screens (access_event);
- `member_group(member)`: the front-desk screens following one member's enrollment.

Messages carry `"type": "devices.push"` and the frame to send in `"frame"`: the consumers
forward it as it is, whatever process they run in (channels-redis in production)."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from gymsite.core.request_id import current_request_id

logger = logging.getLogger(__name__)


def terminals_group(gym_id: int) -> str:
    return f"devices.gym.{gym_id}.terminals"


def desks_group(gym_id: int) -> str:
    return f"devices.gym.{gym_id}.desks"


def member_group(member_id: int) -> str:
    return f"devices.member.{member_id}"


def push_message(frame: dict) -> dict:
    """The channel-layer message; it carries the id of the request (or socket) that caused
    it, for the receiving consumers' log lines."""
    return {"type": "devices.push", "frame": frame, "request_id": current_request_id()}


def push(group: str, frame: dict) -> None:
    """Send `frame` to every socket of `group` (from sync code). Best effort: the change
    that caused it is committed; with the channel layer down (Redis) the sockets miss the
    notice and the request still succeeds (terminals resync with `since`)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, push_message(frame))
    except Exception:
        logger.warning("could not push %s to %s", frame.get("type"), group, exc_info=True)


def templates_changed_on_commit(*, gym_id: int, cursor: int) -> None:
    """Tell the gym's terminals their templates changed, once the change is committed."""
    transaction.on_commit(
        lambda: push(terminals_group(gym_id), {"type": "templates_changed", "cursor": cursor})
    )
