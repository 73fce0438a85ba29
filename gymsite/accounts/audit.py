"""The audit log: who did what to which row, written in the same transaction as the change.

Services take an `Actor` (who acts: a staff user, through a JWT or an API token, a
device, or the system) and call `audit_record`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models

from .models import APIToken, AuditEvent, Gym, User


@dataclass(frozen=True)
class Actor:
    user: User | None = None
    token: APIToken | None = None
    device_label: str = ""
    ip: str | None = None

    @classmethod
    def from_request(cls, request) -> Actor:
        user = request.user if getattr(request.user, "is_authenticated", False) else None
        token = request.auth if isinstance(getattr(request, "auth", None), APIToken) else None
        return cls(user=user, token=token, ip=client_ip(request))

    @classmethod
    def system(cls) -> Actor:
        return cls()

    @classmethod
    def device(cls, label: str) -> Actor:
        return cls(device_label=label)

    @property
    def type(self) -> str:
        if self.token is not None:
            return AuditEvent.ActorType.TOKEN
        if self.user is not None:
            return AuditEvent.ActorType.USER
        if self.device_label:
            return AuditEvent.ActorType.DEVICE
        if self.ip:
            return AuditEvent.ActorType.ANONYMOUS
        return AuditEvent.ActorType.SYSTEM

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.username
        return self.device_label or ("system" if not self.ip else "anonymous")


def client_ip(request) -> str | None:
    """The client's address. Behind a proxy (USE_X_FORWARDED_FOR on) REMOTE_ADDR is the
    proxy, and the last X-Forwarded-For entry is the one the proxy appended itself. Without
    a proxy the header is the client's own word, so it is ignored: otherwise anyone could
    dodge the per-address login throttle by inventing addresses."""
    address = request.META.get("REMOTE_ADDR")
    if settings.USE_X_FORWARDED_FOR and request.META.get("HTTP_X_FORWARDED_FOR"):
        address = request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip()
    try:
        # Stored in a GenericIPAddressField: a malformed value must not break the request.
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    gym: Gym | int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    if gym is None and target is not None:
        gym_id = getattr(target, "gym_id", None)
    else:
        gym_id = gym.pk if isinstance(gym, Gym) else gym
    return AuditEvent.objects.create(
        actor_type=actor.type,
        actor_user=actor.user,
        actor_token=actor.token,
        actor_label=actor.label,
        gym_id=gym_id,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
        ip=actor.ip,
    )
