"""Fixtures for devices: the in-memory channel layer, a known template key, members with
an active membership and consent, terminals, and WebSocket helpers over
channels.testing.WebsocketCommunicator.

Consumers reach the database from worker threads, so these tests use transactional_db
(rows committed, seen by every connection)."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from channels.testing import WebsocketCommunicator

from devices.consumers import presence
from devices.crypto import new_key_spec
from devices.services.consent import consent_record
from devices.services.terminals import device_create
from gymsite.accounts.audit import Actor
from gymsite.core.websocket import URLRouter
from gymsite.routing import websocket_urlpatterns
from tests.attendance.conftest import make_member
from tests.factories import GymFactory, MemberFactory, UserFactory

TIMEOUT = 5
TEMPLATE_1 = b"\x01minutiae-of-finger-one" * 10
TEMPLATE_2 = b"\x02minutiae-of-finger-two" * 10


@pytest.fixture(autouse=True)
def _devices_settings(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.FINGERPRINT_KEYS = [new_key_spec("test1")]
    presence.PRESENCE.__init__()
    yield
    presence.PRESENCE.__init__()


def application():
    return URLRouter(websocket_urlpatterns)


def run(scenario):
    """Run an async scenario to its end (bounded)."""
    return asyncio.run(asyncio.wait_for(scenario(), timeout=60))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def active_member(gym, **overrides):
    """attendance's member with an active membership today, with an email."""
    overrides.setdefault("email", f"m{MemberFactory._meta.model.objects.count() + 1}@example.com")
    return make_member(gym, **overrides)


def consenting_member(gym, **overrides):
    member = active_member(gym, **overrides)
    consent_record(actor=Actor.system(), member=member)
    return member


def new_terminal(gym, name="Front door"):
    """(device, token)."""
    created = device_create(actor=Actor.system(), gym=gym, name=name)
    return created.device, created.token


def jwt_for(user) -> str:
    from gymsite.accounts.services import token_pair_for

    return token_pair_for(user)["access_token"]


class Socket:
    """A WebsocketCommunicator with JSON helpers."""

    def __init__(self, path: str, headers=None):
        self.comm = WebsocketCommunicator(application(), path, headers=headers or [])

    async def open(self) -> Socket:
        connected, _ = await self.comm.connect(timeout=TIMEOUT)
        assert connected
        return self

    async def send(self, frame) -> None:
        await self.comm.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self) -> dict:
        return json.loads(await self.comm.receive_from(timeout=TIMEOUT))

    async def ask(self, frame) -> dict:
        await self.send(frame)
        return await self.recv()

    async def closed_with(self) -> int:
        output = await self.comm.receive_output(timeout=TIMEOUT)
        assert output["type"] == "websocket.close", output
        return output.get("code")

    async def nothing(self) -> bool:
        return await self.comm.receive_nothing(timeout=0.2)

    async def close(self) -> None:
        await self.comm.disconnect()


async def terminal_socket(gym_id: int, token: str, **kwargs) -> Socket:
    socket = await Socket(f"/ws/gym/{gym_id}?token={token}", **kwargs).open()
    frame = await socket.recv()
    assert frame["type"] == "connected", frame
    return socket


async def desk_socket(member_id: int, token: str) -> Socket:
    socket = await Socket(f"/ws/user/{member_id}?token={token}").open()
    frame = await socket.recv()
    assert frame["type"] == "connected", frame
    return socket


@pytest.fixture
def gym2(transactional_db):
    return GymFactory(name="Main Gym", time_zone="America/Mexico_City", currency="MXN")


@pytest.fixture
def other_gym2(transactional_db):
    return GymFactory(name="Other Gym", time_zone="Europe/Madrid", currency="EUR")


@pytest.fixture
def front_desk(gym2):
    return UserFactory(username="desk", email="desk@gym.com", role="receptionist", gym=gym2)
