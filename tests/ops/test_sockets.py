"""WebSockets: connections counted per gym, a message budget per terminal (and per staff
user), the id of the request that caused a push, and Redis down (close 4503)."""

from __future__ import annotations

import socket as sockets

import pytest
from django.core.cache import cache

from devices.consumers import auth
from devices.services.templates import template_store
from gymsite.accounts.audit import Actor
from gymsite.core.metrics import WEBSOCKETS
from gymsite.core.request_id import set_current_request_id
from tests.devices.conftest import (
    Socket,
    consenting_member,
    desk_socket,
    jwt_for,
    new_terminal,
    run,
    terminal_socket,
)
from tests.factories import GymFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def connections(gym_id: int) -> float:
    return WEBSOCKETS.labels(str(gym_id), "terminal")._value.get()


def test_connections_are_counted_per_gym(gym2):
    other = GymFactory(name="Other")
    _, token = new_terminal(gym2)
    _, other_token = new_terminal(other)
    before = connections(gym2.pk)

    async def scenario():
        first = await terminal_socket(gym2.pk, token)
        second = await terminal_socket(gym2.pk, token)
        third = await terminal_socket(other.pk, other_token)
        assert connections(gym2.pk) - before == 2
        await first.close()
        assert connections(gym2.pk) - before == 1
        await second.close()
        await third.close()

    run(scenario)
    assert connections(gym2.pk) == before


def test_a_flooding_terminal_is_throttled_and_the_others_keep_their_answers(gym2, settings):
    settings.WEBSOCKET_MESSAGE_RATE = "60/min"
    settings.WEBSOCKET_MESSAGE_BURST = 5
    member = consenting_member(gym2)
    _, flood_token = new_terminal(gym2, "Flood")
    _, calm_token = new_terminal(gym2, "Calm")

    async def scenario():
        flood = await terminal_socket(gym2.pk, flood_token)
        calm = await terminal_socket(gym2.pk, calm_token)
        for index in range(40):
            await flood.send({"type": "user_found", "user_id": str(member.pk), "event_id": f"f{index}"})
        answers = []
        while not await flood.nothing():
            answers.append(await flood.recv())
        decided = [a for a in answers if a["type"].startswith("access_")]
        throttled = [a for a in answers if a.get("code") == "throttled"]
        # Its burst was answered (and what refilled at 1/s meanwhile); of the rest, a
        # "throttled" (with when to retry) at most once a second, and nothing else: the
        # messages were dropped unread.
        assert 5 <= len(decided) <= 10, answers
        assert 1 <= len(throttled) <= 5 and throttled[0]["retry_after"] >= 1, answers
        assert len(decided) + len(throttled) == len(answers)
        # The other terminal has its own budget.
        for index in range(5):
            reply = await calm.ask({"type": "user_found", "user_id": str(member.pk), "event_id": f"c{index}"})
            assert reply["type"] == "access_granted", reply
        await flood.close()
        await calm.close()

    run(scenario)


async def drain(socket: Socket) -> list[dict]:
    answers = []
    while not await socket.nothing():
        answers.append(await socket.recv())
    return answers


def test_a_terminal_that_reconnects_finds_its_budget_spent(gym2, settings):
    settings.WEBSOCKET_MESSAGE_RATE = "6/min"  # a message every 10 s once the burst is spent
    settings.WEBSOCKET_MESSAGE_BURST = 3
    member = consenting_member(gym2)
    _, flood_token = new_terminal(gym2, "Flood")
    _, calm_token = new_terminal(gym2, "Calm")

    async def scenario():
        flood = await terminal_socket(gym2.pk, flood_token)
        for index in range(10):
            await flood.send({"type": "user_found", "user_id": str(member.pk), "event_id": f"f{index}"})
        answers = await drain(flood)
        assert [a["type"] for a in answers if a["type"] != "error"] == ["access_granted"] * 3, answers
        assert [a["code"] for a in answers if a["type"] == "error"] == ["throttled"], answers
        await flood.close()
        # Back at once, and on two sockets: the budget is the terminal's, still spent.
        again, twin = await terminal_socket(gym2.pk, flood_token), await terminal_socket(gym2.pk, flood_token)
        for socket in (again, twin):
            reply = await socket.ask({"type": "user_found", "user_id": str(member.pk), "event_id": "f-again"})
            assert reply["code"] == "throttled" and 1 <= reply["retry_after"] <= 10, reply
        # The other terminal of the gym is answered meanwhile.
        calm = await terminal_socket(gym2.pk, calm_token)
        reply = await calm.ask({"type": "user_found", "user_id": str(member.pk), "event_id": "c1"})
        assert reply["type"] == "access_granted", reply
        for socket in (again, twin, calm):
            await socket.close()

    run(scenario)


def test_the_screens_of_one_staff_user_share_a_budget(gym2, settings):
    settings.WEBSOCKET_MESSAGE_RATE = "6/min"
    settings.WEBSOCKET_MESSAGE_BURST = 2
    first_member, second_member = consenting_member(gym2), consenting_member(gym2)
    front_desk = UserFactory(username="desk1", email="desk1@gym.com", role="receptionist", gym=gym2)
    colleague = UserFactory(username="desk2", email="desk2@gym.com", role="receptionist", gym=gym2)
    token, colleague_token = jwt_for(front_desk), jwt_for(colleague)

    async def scenario():
        first = await desk_socket(first_member.pk, token)
        second = await desk_socket(second_member.pk, token)  # the same user, another screen
        other = await desk_socket(first_member.pk, colleague_token)
        for socket in (first, second):
            reply = await socket.ask({"type": "nonsense"})
            assert reply["code"] == "unknown_type", reply
        reply = await first.ask({"type": "nonsense"})
        assert reply["code"] == "throttled", reply
        reply = await second.ask({"type": "nonsense"})
        assert reply["code"] == "throttled", reply
        reply = await other.ask({"type": "nonsense"})
        assert reply["code"] == "unknown_type", reply
        for socket in (first, second, other):
            await socket.close()

    run(scenario)


def test_a_push_carries_the_id_of_the_request_that_caused_it(gym2, json_log):
    member = consenting_member(gym2)
    _, token = new_terminal(gym2)

    async def scenario():
        from asgiref.sync import sync_to_async

        terminal = await terminal_socket(gym2.pk, token)

        def store():
            set_current_request_id("req-push-7")
            try:
                template_store(actor=Actor.system(), member=member, finger=1, template=b"\x01minutiae" * 20)
            finally:
                set_current_request_id(None)

        await sync_to_async(store)()
        frame = await terminal.recv()
        assert frame["type"] == "templates_changed"
        await terminal.close()

    run(scenario)
    pushes = [line for line in json_log.lines() if line["message"].startswith("push templates_changed")]
    assert pushes and all(line["request_id"] == "req-push-7" for line in pushes)


def closed_port() -> int:
    with sockets.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{closed_port()}/5"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_timeout": 2, "socket_connect_timeout": 1}]},
        }
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def test_with_redis_down_a_terminal_is_refused_with_4503_and_a_clear_error(gym2, redis_down):
    _, token = new_terminal(gym2)

    async def scenario():
        socket = await Socket(f"/ws/gym/{gym2.pk}?token={token}").open()
        frame = await socket.recv()
        assert frame["type"] == "error" and frame["code"] == "service_unavailable"
        assert await socket.closed_with() == auth.UNAVAILABLE == 4503

    run(scenario)


def test_with_redis_down_a_seed_login_is_refused_with_4503(gym2, redis_down):
    async def scenario():
        socket = await Socket(f"/ws/gym/{gym2.pk}").open()
        await socket.send({"type": "login", "login_data": {"email": "x@y.z", "password": "whatever-1"}})
        output = []
        while True:
            message = await socket.comm.receive_output(timeout=5)
            output.append(message)
            if message["type"] == "websocket.close":
                break
        assert output[-1]["code"] == 4503, output

    run(scenario)
    assert cache  # (the cache object itself is fine; only its server is gone)
