"""Rate limits: every API request (DRF's throttling, through the cache: Redis in
production, local memory embedded), and every message of a WebSocket.

API requests count per caller: a user signed in with a JWT, a personal API token (its own
budget, apart from its owner's), or, for anonymous requests, the client's address. Each
kind has a default rate (settings.RATE_LIMITS); a view may name a scope (`throttle_scope`,
else its URL name) with a rate of its own in settings.RATE_LIMIT_SCOPES, counted besides
the default one. Over a limit: 429 with Retry-After and the error body {detail, code:
"throttled"}.

Counting is a fixed window per rate (a minute for "/min"): one atomic increment per
window and caller, a single round trip to Redis (a small Lua script: INCR, and EXPIRE
when the window's counter is new). A caller can at most double a rate across a window's
edge, which is fine for "is this client running away?", the question these limits answer.

If the cache does not answer, a request is let through (and counted in
gymsite_rate_limit_unavailable_total): an outage of Redis must not stop the front desk.
Logins are the exception: their throttle fails closed (gymsite.accounts.throttling).

WebSocket messages draw on a budget that belongs to whoever sends them, not to the
socket (`SocketBudget`): a terminal's is its device's, a front-desk screen's its staff
user's. Every connection of that owner, in every daphne process, shares it, so a terminal
that reconnects finds the budget it left, not a fresh one. It is a token bucket
(WEBSOCKET_MESSAGE_RATE on average, bursts up to WEBSOCKET_MESSAGE_BURST) kept in Redis:
one round trip per message (a small Lua script, EVALSHA, the clock being Redis's own),
from the event loop (redis.asyncio, timeouts of REDIS_TIMEOUT), and none at all while the
socket already knows there is no token before a given time. A message over the budget is
answered "throttled" and dropped unread, without touching the database, so the other
terminals keep their turn. With the cache in local memory (the embedded default, one
process) the bucket lives there. A socket not yet authenticated (a terminal that will send
seed 001's login) has a bucket of its own in memory; its login is throttled besides, per
account and address (gymsite.accounts).

Redis down: a WebSocket cannot even connect (its groups and presence need Redis: error
service_unavailable, close 4503, see devices.consumers.base). For a socket already open
when Redis stops answering, the budget falls back to a bucket per owner in this process's
memory (counted in gymsite_rate_limit_unavailable_total, Redis left alone for
REDIS_PAUSE seconds): floods are still refused, at worst with one budget per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import types
from collections import OrderedDict

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle

from . import metrics
from .rates import Rate

logger = logging.getLogger(__name__)
_WARN_EVERY_SECONDS = 60.0
_last_warning = 0.0

_rates: dict[str, Rate] = {}


def rate(text: str) -> Rate:
    found = _rates.get(text)
    if found is None:
        found = _rates[text] = Rate.parse(text)
    return found


_clients: dict[tuple, tuple] = {}

# One round trip, one command: the window's counter is created with its expiry the first time
# and incremented atomically (a pipeline of SET NX + INCR cost twice the client-side work).
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


def _redis_client_and_script(backend: RedisCache):
    """A redis-py client for the cache's server and the counting script on it, made once per
    process (per server and options): Django's cache makes a new client object for every
    call, which costs more than the round trip itself (bench/ops.py). redis-py's Script
    sends EVALSHA and loads the script again on NOSCRIPT (a restarted Redis forgot it)."""
    key = (tuple(backend._servers), repr(sorted(backend._options.items())))
    entry = _clients.get(key)
    if entry is None:
        client = backend._cache.get_client(write=True)
        entry = _clients[key] = (client, client.register_script(_COUNT_SCRIPT))
    return entry


def _redis_client(backend: RedisCache):
    return _redis_client_and_script(backend)[0]


def _window_count(key: str, window_seconds: int) -> int:
    """Count one hit on `key` for this window and return the window's count so far."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client, count = _redis_client_and_script(backend)
        return int(count(keys=[backend.make_and_validate_key(key)], args=[window_seconds + 1], client=client))
    # Any other cache (local memory): add, then an atomic increment.
    backend.add(key, 0, timeout=window_seconds + 1)
    try:
        return backend.incr(key)
    except ValueError:  # expired between the two
        backend.add(key, 1, timeout=window_seconds + 1)
        return 1


def hit(name: str, ident: str, limit: Rate, now: float | None = None) -> int | None:
    """Count a hit against `limit` for `ident`; the seconds to wait when over it, else None."""
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    count = _window_count(f"ratelimit:{name}:{ident}:{limit.seconds}:{window}", limit.seconds)
    if count <= limit.count:
        return None
    return max(1, math.ceil((window + 1) * limit.seconds - now))


def _cache_unavailable() -> None:
    global _last_warning
    metrics.observe_rate_limit_unavailable()
    now = time.monotonic()
    if now - _last_warning > _WARN_EVERY_SECONDS:
        _last_warning = now
        logger.warning("rate limits skipped: the cache does not answer", exc_info=True)


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy (USE_X_FORWARDED_FOR) the last
    X-Forwarded-For entry, the one the proxy appended itself."""
    address = request.META.get("REMOTE_ADDR") or ""
    if settings.USE_X_FORWARDED_FOR and request.META.get("HTTP_X_FORWARDED_FOR"):
        address = request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip()
    return address or "unknown"


def caller(request) -> tuple[str, str]:
    """(kind, ident) of the caller: ("token", id), ("user", id) or ("anon", address)."""
    auth = getattr(request, "auth", None)
    user = getattr(request, "user", None)
    if auth is not None and type(auth).__name__ == "APIToken":
        return "token", str(auth.pk)
    if user is not None and getattr(user, "is_authenticated", False):
        return "user", str(user.pk)
    return "anon", client_address(request)


def view_scope(request, view) -> str:
    scope = getattr(view, "throttle_scope", None)
    if scope:
        return scope
    match = getattr(request, "resolver_match", None)
    return (match.url_name or "") if match is not None else ""


class RateLimitThrottle(BaseThrottle):
    """DRF's throttle for every API view (DEFAULT_THROTTLE_CLASSES)."""

    def __init__(self):
        self._wait: int | None = None

    def allow_request(self, request, view) -> bool:
        if not settings.RATE_LIMITS_ENABLED:
            return True
        kind, ident = caller(request)
        checks = [(kind, rate(settings.RATE_LIMITS[kind]))]
        scope = view_scope(request, view)
        scoped = settings.RATE_LIMIT_SCOPES.get(scope) if scope else None
        if scoped:
            checks.append((f"{scope}:{kind}", rate(scoped)))
        try:
            waits = [wait for name, limit in checks if (wait := hit(name, ident, limit)) is not None]
        except Exception:
            _cache_unavailable()
            return True
        if not waits:
            return True
        self._wait = max(waits)
        metrics.observe_rate_limited(scope if scoped else kind)
        return False

    def wait(self) -> int | None:
        return self._wait


def refilled(tokens: float, elapsed: float, per_second: float, burst: float) -> float:
    """A token bucket's tokens after `elapsed` seconds: refilled at `per_second`, never above
    `burst` (every bucket here, in memory or in the cache, refills by this rule)."""
    return min(burst, tokens + max(0.0, elapsed) * per_second)


class MessageBudget:
    """A token bucket in memory: `rate` messages on average, bursts up to `burst`. A
    socket's own before it knows its owner, and an owner's while Redis does not answer
    (SocketBudget below)."""

    __slots__ = ("rate", "burst", "tokens", "updated")

    def __init__(self, limit: Rate, burst: int):
        self.rate = limit.per_second
        self.burst = float(max(1, burst))
        self.tokens = self.burst
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = refilled(self.tokens, now - self.updated, self.rate, self.burst)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def retry_after(self) -> int:
        """Whole seconds until the next message would be taken."""
        return max(1, math.ceil((1 - self.tokens) / self.rate))

    @classmethod
    def from_settings(cls) -> MessageBudget:
        return cls(rate(settings.WEBSOCKET_MESSAGE_RATE), settings.WEBSOCKET_MESSAGE_BURST)


# --- a WebSocket's budget, its owner's in every connection and process --------------------

REDIS_TIMEOUT = 0.25  # seconds: connect and answer, else this message uses the fallback
REDIS_PAUSE = 5.0  # seconds Redis is left alone after it failed to answer
FALLBACK_OWNERS = 10_000  # owners' buckets kept in memory at most (least recently used go)

# KEYS[1]: the bucket (a hash: t = tokens left, at = when, in Redis's clock);
# ARGV[1]: tokens per second, ARGV[2]: the burst. Returns {1, 0} when a token is taken,
# else {0, milliseconds until the next one}. A refusal writes nothing: the stored tokens
# and time give the same answer later. The key expires once the bucket would be full.
TOKEN_BUCKET = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
if tokens < 1 then
  return {0, math.ceil((1 - tokens) / rate * 1000)}
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 't', string.format('%.6f', tokens), 'at', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return {1, 0}
"""

_redis_paused_until = 0.0
# One redis.asyncio client per event loop (its connections belong to the loop), closed with
# the loop, as channels_redis does with its own.
_async_clients: dict[asyncio.AbstractEventLoop, tuple[str, object, object]] = {}


def _close_with_loop(loop: asyncio.AbstractEventLoop) -> None:
    original = loop.close

    def close(self, *args, **kwargs):
        entry = _async_clients.pop(self, None)
        if entry is not None and not self.is_closed() and not self.is_running():
            with contextlib.suppress(Exception):
                self.run_until_complete(entry[1].aclose())
        self.close = original
        return original(*args, **kwargs)

    loop.close = types.MethodType(close, loop)


def _token_bucket_script(backend: RedisCache):
    """(client, script) for the cache's (write) server, on the running loop."""
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    loop = asyncio.get_running_loop()
    url = backend._servers[0]  # the server Django's RedisCache writes to
    entry = _async_clients.get(loop)
    if entry is not None and entry[0] == url:
        return entry[1], entry[2]
    client = Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
        retry=Retry(NoBackoff(), 0),  # no retries: the fallback answers this message
    )
    if entry is None:
        _close_with_loop(loop)
    script = client.register_script(TOKEN_BUCKET)
    _async_clients[loop] = (url, client, script)
    return client, script


async def _take_in_redis(backend: RedisCache, owner: str, limit: Rate, burst: int) -> float:
    client, script = _token_bucket_script(backend)
    key = backend.make_and_validate_key(f"wsbudget:{owner}")
    async with asyncio.timeout(REDIS_TIMEOUT * 2):
        taken, wait_ms = await script(keys=[key], args=[repr(limit.per_second), burst], client=client)
    return 0.0 if int(taken) else int(wait_ms) / 1000


def _take_in_cache(backend, owner: str, limit: Rate, burst: int) -> float:
    """The bucket in a cache of this process (local memory): a get and a set with no
    await between them, so no other message of this event loop comes between."""
    key = f"wsbudget:{owner}"
    now = time.time()
    tokens, at = backend.get(key) or (float(burst), now)
    tokens = refilled(tokens, now - at, limit.per_second, float(burst))
    if tokens < 1:
        return (1 - tokens) / limit.per_second
    tokens -= 1
    backend.set(key, (tokens, now), timeout=math.ceil((burst - tokens) / limit.per_second) + 1)
    return 0.0


class _OwnerBudgets:
    """Buckets per owner in this process's memory: the fallback while Redis is down."""

    def __init__(self, size: int):
        self.size = size
        self.budgets: OrderedDict[tuple, MessageBudget] = OrderedDict()

    def take(self, owner: str, limit: Rate, burst: int) -> float:
        key = (owner, limit, burst)
        budget = self.budgets.get(key)
        if budget is None:
            budget = self.budgets[key] = MessageBudget(limit, burst)
            while len(self.budgets) > self.size:
                self.budgets.popitem(last=False)
        else:
            self.budgets.move_to_end(key)
        return 0.0 if budget.take() else (1 - budget.tokens) / budget.rate


_fallback = _OwnerBudgets(FALLBACK_OWNERS)


async def take_shared(owner: str, limit: Rate, burst: int) -> float:
    """Take one token from `owner`'s bucket: 0.0 when taken, else the seconds until the
    next token. Redis when the cache is Redis (the fallback in memory when it does not
    answer), else the cache itself (local memory)."""
    global _redis_paused_until
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return _take_in_cache(backend, owner, limit, burst)
    if time.monotonic() >= _redis_paused_until:
        try:
            return await _take_in_redis(backend, owner, limit, burst)
        except Exception:  # refused, timed out, gone: this message and the next few
            _redis_paused_until = time.monotonic() + REDIS_PAUSE
            _cache_unavailable()
    return _fallback.take(owner, limit, burst)


class SocketBudget:
    """The message budget one WebSocket draws on: its own bucket in memory until it knows
    its owner (`belong_to`: "device:<id>", "user:<id>"), then the owner's, shared by every
    connection of that owner in every process. Once refused, the socket knows no token
    can be had before a given time (the bucket only empties meanwhile), and refuses
    without asking anyone until then."""

    __slots__ = ("limit", "burst", "local", "owner", "refused_until")

    def __init__(self, limit: Rate, burst: int):
        self.limit = limit
        self.burst = max(1, int(burst))
        self.local = MessageBudget(limit, self.burst)
        self.owner: str | None = None
        self.refused_until = 0.0  # time.monotonic()

    def belong_to(self, owner: str) -> None:
        self.owner = owner

    async def take(self) -> bool:
        now = time.monotonic()
        if now < self.refused_until:
            return False
        if self.owner is None:
            wait = 0.0 if self.local.take() else (1 - self.local.tokens) / self.local.rate
        else:
            wait = await take_shared(self.owner, self.limit, self.burst)
        if wait <= 0:
            return True
        self.refused_until = now + wait
        return False

    def retry_after(self) -> int:
        """Whole seconds until the next message may be taken."""
        return max(1, math.ceil(self.refused_until - time.monotonic()))

    @classmethod
    def from_settings(cls) -> SocketBudget:
        return cls(rate(settings.WEBSOCKET_MESSAGE_RATE), settings.WEBSOCKET_MESSAGE_BURST)
