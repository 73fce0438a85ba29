"""Who is connected, across every daphne process, kept in the cache (Redis in production).

Each process claims one of SLOTS cache entries (an atomic `add`) and keeps there the list
of its own connections, rewritten on every connect and disconnect and refreshed every
HEARTBEAT seconds while it has any; an entry lives TTL seconds unless refreshed, so a
process that dies takes its connections with it within a minute. Readers (the health
endpoint, "is a terminal of this gym connected?") read every slot in one `get_many`.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache

SLOTS = 64
TTL = 60
HEARTBEAT = 20
KEY = "devices:presence:{slot}"

TERMINAL = "terminal"
DESK = "desk"


@dataclass(frozen=True)
class Snapshot:
    active_connections: int
    connected_users: list[str]  # members followed by a front-desk socket
    gym_subscriptions: dict[str, int]  # connected terminals per gym


class ProcessPresence:
    """This process's connections and its slot."""

    def __init__(self) -> None:
        self.owner = secrets.token_hex(8)
        self.slot: int | None = None
        self.connections: dict[str, tuple[str, int]] = {}  # channel -> (kind, id)
        self._heartbeat: asyncio.Task | None = None

    def _value(self) -> dict:
        return {"owner": self.owner, "connections": list(self.connections.values())}

    async def _write(self) -> None:
        if self.slot is not None:
            current = await cache.aget(KEY.format(slot=self.slot))
            if current is None or current.get("owner") == self.owner:
                await cache.aset(KEY.format(slot=self.slot), self._value(), TTL)
                return
            self.slot = None  # expired and taken by another process
        for slot in range(SLOTS):
            if await cache.aadd(KEY.format(slot=slot), self._value(), TTL):
                self.slot = slot
                return

    async def _beat(self) -> None:
        while self.connections:
            await asyncio.sleep(HEARTBEAT)
            with contextlib.suppress(Exception):  # the cache down for a moment
                await self._write()

    async def add(self, channel: str, kind: str, ident: int) -> None:
        self.connections[channel] = (kind, ident)
        await self._write()
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat())

    async def remove(self, channel: str) -> None:
        if self.connections.pop(channel, None) is None:
            return
        await self._write()
        if not self.connections and self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None


PRESENCE = ProcessPresence()


def _all_connections() -> list[tuple[str, int]]:
    entries = cache.get_many([KEY.format(slot=slot) for slot in range(SLOTS)])
    return [tuple(item) for value in entries.values() for item in value.get("connections", [])]


def snapshot() -> Snapshot:
    connections = _all_connections()
    terminals = Counter(str(ident) for kind, ident in connections if kind == TERMINAL)
    users = sorted({str(ident) for kind, ident in connections if kind == DESK}, key=int)
    return Snapshot(
        active_connections=len(connections),
        connected_users=users,
        gym_subscriptions=dict(sorted(terminals.items(), key=lambda item: int(item[0]))),
    )


def terminals_connected(gym_id: int) -> int:
    return sum(1 for kind, ident in _all_connections() if kind == TERMINAL and ident == gym_id)
