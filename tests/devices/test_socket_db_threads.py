"""The consumers' database work runs on a pool of WEBSOCKET_DB_THREADS threads
(gymsite.core.asyncdb), not on Channels' one thread per process: terminals asking for
decisions at once are answered side by side, each call on a PostgreSQL connection of its
own, while one socket's messages are still answered in order."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from django.db import connection

from devices.services import access

from .conftest import consenting_member, new_terminal, run, terminal_socket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SLEEP = 0.5  # seconds each decision spends in PostgreSQL (pg_sleep)
DOORS = 4


@pytest.fixture
def slow_decisions(monkeypatch):
    """Each decision first sleeps SLEEP seconds in PostgreSQL; returns the calls seen as
    (backend pid, thread name, (start, end) of the sleep, event_id)."""
    seen = []
    original = access.device_access

    def slow(**kwargs):
        with connection.cursor() as cursor:
            started = time.monotonic()
            cursor.execute("SELECT pg_backend_pid(), pg_sleep(%s)", [SLEEP])
            pid = cursor.fetchone()[0]
        seen.append((pid, threading.current_thread().name, (started, time.monotonic()), kwargs["event_id"]))
        return original(**kwargs)

    monkeypatch.setattr(access, "device_access", slow)
    return seen


def doors_at_once(gym, member) -> float:
    """DOORS terminals send user_found at the same moment: seconds until all are answered."""
    tokens = [new_terminal(gym, f"Door {n}")[1] for n in range(DOORS)]

    async def scenario():
        sockets = [await terminal_socket(gym.pk, token) for token in tokens]
        started = time.monotonic()
        for index, socket in enumerate(sockets):
            await socket.send({"type": "user_found", "user_id": str(member.pk), "event_id": f"door-{index}"})
        replies = await asyncio.gather(*(socket.recv() for socket in sockets))
        elapsed = time.monotonic() - started
        assert [r["type"] for r in replies] == ["access_granted"] * DOORS, replies
        assert [r["event_id"] for r in replies] == [f"door-{n}" for n in range(DOORS)]
        for socket in sockets:
            await socket.close()
        return elapsed

    return run(scenario)


def test_terminals_decisions_run_side_by_side_on_the_pool(gym2, settings, slow_decisions):
    settings.WEBSOCKET_DB_THREADS = DOORS
    member = consenting_member(gym2)
    elapsed = doors_at_once(gym2, member)
    # One after the other they would take DOORS x SLEEP = 2 s.
    assert elapsed < DOORS * SLEEP * 0.75, elapsed
    assert len(slow_decisions) == DOORS
    assert len({pid for pid, *_ in slow_decisions}) == DOORS  # a connection each, at once
    sleeps = [interval for _, _, interval, _ in slow_decisions]
    assert max(start for start, _ in sleeps) < min(end for _, end in sleeps)  # all four in PostgreSQL together
    assert {name.split("_")[0] for _, name, *_ in slow_decisions} == {"websocket-db"}
    # Every call gave its connection back to the pool: only the test's own is lent.
    stats = connection.pool.get_stats()
    assert stats.get("pool_size", 0) - stats.get("pool_available", 0) <= 1, stats


def test_with_one_thread_they_queue_as_before(gym2, settings, slow_decisions):
    """The control: the same four decisions on one thread take DOORS x SLEEP."""
    settings.WEBSOCKET_DB_THREADS = 1
    member = consenting_member(gym2)
    elapsed = doors_at_once(gym2, member)
    assert elapsed >= DOORS * SLEEP, elapsed
    assert len({name for _, name, *_ in slow_decisions}) == 1


def test_one_sockets_messages_are_answered_in_order(gym2, settings, slow_decisions):
    settings.WEBSOCKET_DB_THREADS = DOORS
    member = consenting_member(gym2)
    _, token = new_terminal(gym2)

    async def scenario():
        socket = await terminal_socket(gym2.pk, token)
        for index in range(3):
            await socket.send({"type": "user_found", "user_id": str(member.pk), "event_id": f"in-order-{index}"})
        replies = [await socket.recv() for _ in range(3)]
        await socket.close()
        return replies

    replies = run(scenario)
    assert [r["event_id"] for r in replies] == ["in-order-0", "in-order-1", "in-order-2"]
    assert [event for *_, event in slow_decisions] == ["in-order-0", "in-order-1", "in-order-2"]
