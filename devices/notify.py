"""The channel-layer groups of devices and what the server pushes to them.

- `terminals_group(gym)`: the gym's connected terminals (templates_changed, start_enrollment
  asked by the front desk);
- `desks_group(gym)`: the gym's front-desk screens (access_event);
- `member_group(member)`: the front-desk screens following one member's enrollment.

Messages carry `"type": "devices.push"` and the frame to send in `"frame"`: the consumers
forward it as it is, whatever process they run in (channels-redis in production)."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def terminals_group(gym_id: int) -> str:
    return f"devices.gym.{gym_id}.terminals"


def desks_group(gym_id: int) -> str:
    return f"devices.gym.{gym_id}.desks"


def member_group(member_id: int) -> str:
    return f"devices.member.{member_id}"


def push_message(frame: dict) -> dict:
    return {"type": "devices.push", "frame": frame}


def push(group: str, frame: dict) -> None:
    """Send `frame` to every socket of `group` (from sync code)."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, push_message(frame))


def templates_changed_on_commit(*, gym_id: int, cursor: int) -> None:
    """Tell the gym's terminals their templates changed, once the change is committed."""
    transaction.on_commit(
        lambda: push(terminals_group(gym_id), {"type": "templates_changed", "cursor": cursor})
    )
