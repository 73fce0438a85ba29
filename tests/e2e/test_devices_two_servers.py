"""Fingerprint terminals across two real daphne processes sharing the Redis channel layer
and cache: a terminal on one, the front-desk screen on the other, a whole enrollment and
an access decision between them, over real WebSockets (the websockets package)."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
import requests
import websockets

from . import stack
from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

TEMPLATE_1 = base64.b64encode(b"\x01finger-one-minutiae" * 12).decode()
TEMPLATE_2 = base64.b64encode(b"\x02finger-two-minutiae" * 12).decode()
WAIT = 15


@pytest.fixture
def second_web(site):
    """Another daphne on the same database, Redis and keys as the site's."""
    port = stack.free_port()
    log_dir = site.web.log_path.parent
    process = stack._spawn(
        f"daphne-{port}",
        [stack.sys.executable, "-m", "gymsite.core.server", "-b", "127.0.0.1", "-p", str(port), "gymsite.asgi:application"],
        site.env,
        log_dir,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        stack._wait_healthy(process, base_url)
        yield base_url
    finally:
        assert process.stop() == 0, process.log()


async def next_of(socket, kind: str) -> dict:
    """The next frame of type `kind` (templates_changed and access_event may come between)."""
    async with asyncio.timeout(WAIT):
        while True:
            frame = json.loads(await socket.recv())
            if frame["type"] == kind:
                return frame
            assert frame["type"] in {"templates_changed", "access_event", "fingerprint_stored"}, frame


def test_enrollment_and_access_across_two_daphne_processes(site, second_web):
    desk = login(site, "receptionist@gym.com", "receptionist123")
    gym_id = desk.get("auth/me").json()["gym"]
    plans = {plan["name"]: plan for plan in desk.get("plans/active").json()["results"]}
    enrolled = desk.post(
        "members",
        json={"first_name": "Iris", "last_name": "Paz", "email": "iris@example.com", "plan": plans["Mensual"]["id"], "method": "cash"},
    )
    assert enrolled.status_code == 201, enrolled.text
    member_id = enrolled.json()["id"]
    consent = desk.post(f"members/{member_id}/biometric-consent", json={})
    assert consent.status_code == 201, consent.text
    jwt = desk.session.headers["Authorization"].split()[1]
    first_url, second_url = site.base_url, second_web

    async def scenario():
        terminal_ws = first_url.replace("http", "ws") + f"/ws/gym/{gym_id}"
        desk_ws = second_url.replace("http", "ws") + f"/ws/user/{member_id}?token={jwt}"
        async with (
            websockets.connect(terminal_ws, open_timeout=WAIT) as terminal,  # no Origin, as seed 001
            websockets.connect(desk_ws, origin=second_url, open_timeout=WAIT) as front,
        ):
            await terminal.send(json.dumps({"type": "login", "login_data": {"email": "trainer@gym.com", "password": "trainer123"}}))
            assert (await next_of(terminal, "connected"))["gym_id"] == str(gym_id)
            assert (await next_of(front, "connected"))["user_id"] == str(member_id)

            # The front desk (process 2) finds the terminal (process 1) through the cache and
            # reaches it through Redis.
            await front.send(json.dumps({"type": "fingerprint_connected", "gym_id": str(gym_id)}))
            assert await next_of(front, "fingerprint_connection_stablished") == {
                "type": "fingerprint_connection_stablished",
                "gym_id": str(gym_id),
            }
            start = await next_of(terminal, "start_enrollment")
            assert start == {"type": "start_enrollment", "user_id": str(member_id), "full_name": "Iris Paz", "email": "iris@example.com"}

            await terminal.send(json.dumps({"type": "finger1_captured"}))
            assert (await next_of(front, "finger1_captured"))["user_id"] == str(member_id)
            await terminal.send(json.dumps({"type": "store_fingerprint", "fingerprint_data": TEMPLATE_1, "finger": 1}))
            assert (await next_of(terminal, "fingerprint_stored"))["finger"] == 1
            assert (await next_of(front, "fingerprint_stored"))["user_id"] == str(member_id)
            await terminal.send(json.dumps({"type": "store_fingerprint", "fingerprint_data": TEMPLATE_2, "finger": 2}))
            assert (await next_of(terminal, "enrollment_completed"))["user_id"] == str(member_id)
            assert (await next_of(front, "enrollment_completed"))["user_id"] == str(member_id)

            await terminal.send(json.dumps({"type": "download_templates"}))
            data = (await next_of(terminal, "template_data_set"))["data"]
            assert {"id": str(member_id), "full_name": "Iris Paz", "fingerprint1": TEMPLATE_1, "fingerprint2": TEMPLATE_2} in data

            health = requests.get(second_url + "/ws/health", headers={"Authorization": f"Bearer {jwt}"}, timeout=WAIT).json()
            assert health["gym_subscriptions"].get(str(gym_id)) == 1 and str(member_id) in health["connected_users"]

            found = {"type": "user_found", "user_id": str(member_id), "event_id": "e2e-door-1"}
            await terminal.send(json.dumps(found))
            granted = await next_of(terminal, "access_granted")
            assert granted["full_name"] == "Iris Paz"
            event = await next_of(front, "access_event")
            assert event["result"] == "granted" and event["user_id"] == str(member_id)
            await terminal.send(json.dumps(found))  # resent after a dropped connection
            assert await next_of(terminal, "access_granted") == granted

    asyncio.run(scenario())
    visits = desk.get("attendance", params={"member": member_id}).json()["results"]
    assert [(v["result"], v["source"]) for v in visits] == [("granted", "device")]
