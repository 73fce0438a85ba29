"""Login throttling through the cache (Redis in production).

More than LOGIN_FAILURES_PER_IDENTIFIER failed logins for one identifier, or
LOGIN_FAILURES_PER_IP from one address, within LOGIN_FAILURE_WINDOW_SECONDS → 429 with
Retry-After.

Each attempt is counted *before* the password is checked, with the cache's atomic incr,
in one-minute buckets (the window is the sum of its buckets). Counting first is what makes
the limit hold under concurrency: twenty parallel guesses cannot all pass a check that
none of them has yet counted itself into. A successful login then takes its attempt back
(and clears the identifier's count), so only failures remain counted.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

BUCKET_SECONDS = 60


@dataclass(frozen=True)
class _Counter:
    prefix: str
    limit: int

    def buckets(self, now: float) -> list[int]:
        """The buckets inside the window ending now, oldest first."""
        span = math.ceil(settings.LOGIN_FAILURE_WINDOW_SECONDS / BUCKET_SECONDS)
        current = int(now // BUCKET_SECONDS)
        return list(range(current - span + 1, current + 1))

    def key(self, bucket: int) -> str:
        return f"{self.prefix}:{bucket}"

    def counts(self, now: float) -> list[tuple[int, int]]:
        buckets = self.buckets(now)
        stored = cache.get_many([self.key(b) for b in buckets])
        return [(b, int(stored.get(self.key(b), 0))) for b in buckets]

    def retry_after(self, now: float) -> int | None:
        """Seconds until fewer than `limit` attempts remain in the window, if not already."""
        counts = self.counts(now)
        remaining = sum(count for _, count in counts)
        if remaining < self.limit:
            return None
        span = len(counts)
        for bucket, count in counts:
            remaining -= count
            if remaining < self.limit:
                return max(1, math.ceil((bucket + span) * BUCKET_SECONDS - now))
        return settings.LOGIN_FAILURE_WINDOW_SECONDS  # unreachable: the loop empties it

    def increment(self, bucket: int) -> None:
        key = self.key(bucket)
        # Outlives the window by a bucket; add() does nothing when the key exists.
        cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS + BUCKET_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS + BUCKET_SECONDS)

    def decrement(self, bucket: int) -> None:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to take back
            cache.decr(self.key(bucket))

    def clear(self, now: float) -> None:
        cache.delete_many([self.key(b) for b in self.buckets(now)])


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _counters(identifier: str, ip: str | None) -> list[_Counter]:
    counters = [_Counter(f"login-attempts:id:{_digest(identifier)}", settings.LOGIN_FAILURES_PER_IDENTIFIER)]
    if ip:
        counters.append(_Counter(f"login-attempts:ip:{_digest(ip)}", settings.LOGIN_FAILURES_PER_IP))
    return counters


@dataclass(frozen=True)
class LoginAttempt:
    """A counted attempt; give it back with `succeeded()` when the credentials were right."""

    counters: tuple[_Counter, ...]
    bucket: int
    at: float

    def succeeded(self) -> None:
        self.counters[0].clear(self.at)  # the identifier starts afresh
        for counter in self.counters[1:]:
            counter.decrement(self.bucket)  # the address keeps only its failures


def login_attempt_start(*, identifier: str, ip: str | None) -> LoginAttempt | int:
    """Count one login attempt. Returns the attempt, or the seconds to wait (Retry-After)
    when the identifier or the address has used up its failures."""
    now = time.time()
    counters = _counters(identifier, ip)
    waits = [wait for counter in counters if (wait := counter.retry_after(now))]
    if waits:
        return max(waits)
    bucket = int(now // BUCKET_SECONDS)
    for counter in counters:
        counter.increment(bucket)
    # Concurrent attempts counted themselves too: past the limit, this one is refused
    # and taken back (a refused attempt checks no password, so it is no failure).
    over = [counter for counter in counters if sum(c for _, c in counter.counts(now)) > counter.limit]
    if over:
        for counter in counters:
            counter.decrement(bucket)
        return max(counter.retry_after(now) or 1 for counter in over)
    return LoginAttempt(counters=tuple(counters), bucket=bucket, at=now)
