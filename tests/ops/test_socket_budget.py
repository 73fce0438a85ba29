"""The WebSocket message budget (gymsite.core.throttling.SocketBudget): its owner's, shared
by every socket of that owner, kept in the cache (Redis under CI: a Lua token bucket, one
key per owner), with a bucket per owner in memory when Redis does not answer."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from gymsite.core import throttling
from gymsite.core.metrics import RATE_LIMIT_UNAVAILABLE
from gymsite.core.rates import Rate
from gymsite.core.throttling import SocketBudget


def run(scenario):
    return asyncio.run(asyncio.wait_for(scenario(), timeout=30))


def budget(owner: str | None, limit: Rate = Rate(60, 60), burst: int = 3) -> SocketBudget:
    made = SocketBudget(limit, burst)
    if owner is not None:
        made.belong_to(owner)
    return made


async def takes(socket_budget: SocketBudget, count: int) -> list[bool]:
    return [await socket_budget.take() for _ in range(count)]


def test_the_sockets_of_one_owner_share_one_budget_and_a_new_socket_gets_no_fresh_one():
    async def scenario():
        first, second = budget("device:7001"), budget("device:7001")
        assert await takes(first, 2) == [True, True]
        assert await takes(second, 2) == [True, False]  # the burst of 3 is spent between them
        assert await first.take() is False
        reconnected = budget("device:7001")  # the terminal reconnects
        assert await reconnected.take() is False
        assert reconnected.retry_after() == 1  # 60/min: one token a second
        other = budget("device:7002")  # another terminal: its own budget
        assert await takes(other, 3) == [True, True, True]

    run(scenario)


def test_a_socket_without_an_owner_has_a_budget_of_its_own():
    async def scenario():
        first, second = budget(None, burst=2), budget(None, burst=2)
        assert await takes(first, 3) == [True, True, False]
        assert await takes(second, 2) == [True, True]

    run(scenario)


def test_the_budget_refills_at_its_rate():
    async def scenario():
        fast = budget("device:7003", Rate(10, 1), burst=2)
        assert await takes(fast, 3) == [True, True, False]
        assert fast.retry_after() == 1  # whole seconds, at least one
        await asyncio.sleep(0.15)  # 10/s: a token after 0.1 s
        assert await fast.take() is True
        assert await fast.take() is False

    run(scenario)


def test_once_refused_a_socket_asks_no_one_until_a_token_may_be_there(monkeypatch):
    calls = []
    original = throttling.take_shared

    async def counted(*args):
        calls.append(args)
        return await original(*args)

    monkeypatch.setattr(throttling, "take_shared", counted)

    async def scenario():
        flood = budget("device:7004", Rate(6, 60), burst=1)  # a token every 10 s
        assert await flood.take() is True
        assert [await flood.take() for _ in range(50)] == [False] * 50
        assert flood.retry_after() == 10

    run(scenario)
    assert len(calls) == 2  # the first message and the first refusal; then none


@pytest.mark.redis
def test_with_redis_the_budget_is_one_key_per_owner_that_expires_once_full():
    backend = caches["default"]
    assert isinstance(backend, RedisCache)

    async def scenario():
        assert await takes(budget("device:7005", Rate(60, 60), burst=5), 2) == [True, True]

    run(scenario)
    client = throttling._redis_client(backend)
    key = backend.make_and_validate_key("wsbudget:device:7005")
    state = client.hgetall(key)
    assert float(state[b"t"]) == pytest.approx(3, abs=0.1)
    assert 2000 < client.pttl(key) <= 3100  # the 2 tokens back in 2 s, and a second more


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_cache(settings, url: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def fresh_fallback(monkeypatch):
    monkeypatch.setattr(throttling, "_redis_paused_until", 0.0)
    monkeypatch.setattr(throttling, "_fallback", throttling._OwnerBudgets(throttling.FALLBACK_OWNERS))


def test_with_redis_down_the_owner_keeps_a_budget_in_memory(settings, fresh_fallback):
    redis_cache(settings, f"redis://127.0.0.1:{closed_port()}/5")
    before = RATE_LIMIT_UNAVAILABLE._value.get()

    async def scenario():
        first = budget("device:7006", burst=2)
        assert await takes(first, 3) == [True, True, False]
        assert await budget("device:7006", burst=2).take() is False  # a reconnect: still spent
        assert await budget("device:7007", burst=2).take() is True

    started = time.monotonic()
    run(scenario)
    assert time.monotonic() - started < 2
    assert RATE_LIMIT_UNAVAILABLE._value.get() - before == 1  # then Redis is left alone a while


def test_a_redis_that_does_not_answer_costs_one_short_timeout(settings, fresh_fallback):
    """A server that accepts the connection and never answers: the first message waits
    at most about REDIS_TIMEOUT, the next ones nothing (Redis paused for REDIS_PAUSE)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections queue in the kernel; nobody reads them
        redis_cache(settings, f"redis://127.0.0.1:{silent.getsockname()[1]}/5")

        async def scenario():
            spent = []
            for _ in range(20):
                started = time.monotonic()
                await budget("device:7008", burst=30).take()
                spent.append(time.monotonic() - started)
            return spent

        spent = run(scenario)
    assert spent[0] < 2 * throttling.REDIS_TIMEOUT + 0.2, spent
    assert max(spent[1:]) < 0.05, spent
