"""Failed-login throttling through the cache (Redis in production).

More than LOGIN_FAILURES_PER_IDENTIFIER failures for one identifier, or
LOGIN_FAILURES_PER_IP from one address, within the window → 429 with Retry-After.
Each key keeps the timestamps of its failures inside the window.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


def _recent(key: str, now: float) -> list[float]:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    return [t for t in cache.get(key, []) if now - t < window]


def _limits(identifier: str, ip: str | None) -> list[tuple[str, int]]:
    limits = [(_key("id", identifier), settings.LOGIN_FAILURES_PER_IDENTIFIER)]
    if ip:
        limits.append((_key("ip", ip), settings.LOGIN_FAILURES_PER_IP))
    return limits


def login_retry_after(*, identifier: str, ip: str | None) -> int | None:
    """Seconds to wait when this identifier or address has used up its failures."""
    now = time.time()
    waits = []
    for key, limit in _limits(identifier, ip):
        failures = _recent(key, now)
        if len(failures) >= limit:
            oldest_counted = sorted(failures)[-limit]
            waits.append(int(settings.LOGIN_FAILURE_WINDOW_SECONDS - (now - oldest_counted)) + 1)
    return max(waits) if waits else None


def login_failure_record(*, identifier: str, ip: str | None) -> None:
    now = time.time()
    for key, limit in _limits(identifier, ip):
        failures = _recent(key, now)
        failures.append(now)
        cache.set(key, failures[-limit:], timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_failures_clear(*, identifier: str) -> None:
    cache.delete(_key("id", identifier))
