"""A demo terminal for `manage.py seed_demo`: idempotent. Its token is not shown (create
one in the admin or with POST /api/v1/devices/ to connect a terminal by token; seed 001's
login with trainer@gym.com works without one)."""

from __future__ import annotations

from gymsite.accounts.audit import Actor

from .models import Device
from .services.terminals import device_create

DEMO_SERIAL = "DEMO-1"


def seed_demo(gym) -> int:
    if Device.objects.filter(gym=gym, serial=DEMO_SERIAL).exists():
        return 0
    device_create(actor=Actor.system(), gym=gym, name="Front door (demo)", serial=DEMO_SERIAL)
    return 1
