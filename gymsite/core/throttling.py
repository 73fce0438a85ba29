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

WebSocket messages have a budget per connection (`MessageBudget`, a token bucket in
memory): a terminal that floods its socket is answered "throttled" and its messages
dropped, without touching the database, so the other terminals keep their turn.
"""

from __future__ import annotations

import logging
import math
import time

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


_clients: dict[tuple, object] = {}


def _redis_client(backend: RedisCache):
    """A redis-py client for the cache's server, made once per process (per server and
    options): Django's cache makes a new client object for every call, which costs more
    than the round trip itself (bench/ops.py)."""
    key = (tuple(backend._servers), repr(sorted(backend._options.items())))
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = backend._cache.get_client(write=True)
    return client


# One round trip, one command: the window's counter is created with its expiry the first time
# and incremented atomically (a pipeline of SET NX + INCR cost twice the client-side work).
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
_scripts: dict[int, object] = {}


def _count_script(client):
    script = _scripts.get(id(client))
    if script is None:
        # redis-py's Script sends EVALSHA and loads the script once on NOSCRIPT (a restarted
        # Redis has forgotten it).
        script = _scripts[id(client)] = client.register_script(_COUNT_SCRIPT)
    return script


def _window_count(key: str, window_seconds: int) -> int:
    """Count one hit on `key` for this window and return the window's count so far."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = _redis_client(backend)
        return int(_count_script(client)(keys=[backend.make_and_validate_key(key)], args=[window_seconds + 1], client=client))
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


class MessageBudget:
    """A token bucket for one WebSocket: `rate` messages on average, bursts up to `burst`.
    In memory: the connection lives in one process, and a flood is refused without a
    round trip anywhere."""

    __slots__ = ("rate", "burst", "tokens", "updated")

    def __init__(self, limit: Rate, burst: int):
        self.rate = limit.per_second
        self.burst = float(max(1, burst))
        self.tokens = self.burst
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
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
