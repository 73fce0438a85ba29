"""Attempt throttling through the cache (Redis in production).

One mechanism, parametrised per use by a key kind, a limit and a window:
- logins: more than LOGIN_FAILURES_PER_IDENTIFIER failed password checks for one account
  (however it is named: email or username; a wrong current password when changing it
  counts too) or for one identifier that names no account, or LOGIN_FAILURES_PER_IP
  from one address, within LOGIN_FAILURE_WINDOW_SECONDS;
- registrations: more than REGISTRATIONS_PER_IP attempts from one address within
  REGISTRATION_WINDOW_SECONDS.
→ 429 with Retry-After.

Each attempt is counted *before* anything is checked, with the cache's atomic incr, in
one-minute buckets (the window is the sum of its buckets). Counting first is what makes
the limit hold under concurrency: twenty parallel guesses cannot all pass a check that
none of them has yet counted itself into. A successful login then takes its attempt back
(and clears the account's count), so only failures remain counted; a registration
keeps every attempt counted, failed ones too, so the endpoint cannot be used to probe
which emails and usernames exist.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from gymsite.core.errors import Unavailable

logger = logging.getLogger(__name__)

BUCKET_SECONDS = 60


@dataclass(frozen=True)
class Counter:
    """Attempts of one kind for one key (an identifier, an address) in a sliding window."""

    prefix: str
    limit: int
    window: int  # seconds
    clear_on_success: bool = False  # else a success takes back only its own attempt

    def buckets(self, now: float) -> list[int]:
        """The buckets inside the window ending now, oldest first."""
        span = math.ceil(self.window / BUCKET_SECONDS)
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
        return self.window  # unreachable: the loop empties it

    def increment(self, bucket: int) -> None:
        key = self.key(bucket)
        # Outlives the window by a bucket; add() does nothing when the key exists.
        cache.add(key, 0, timeout=self.window + BUCKET_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=self.window + BUCKET_SECONDS)

    def decrement(self, bucket: int) -> None:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to take back
            cache.decr(self.key(bucket))

    def clear(self, now: float) -> None:
        cache.delete_many([self.key(b) for b in self.buckets(now)])


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def counter(kind: str, value: str, *, limit: int, window: int, clear_on_success: bool = False) -> Counter:
    """The counter of `kind` (e.g. "login-attempts:ip") for one value; the value is hashed
    into the key, so no address or identifier is stored in the cache in clear."""
    return Counter(f"{kind}:{_digest(value)}", limit, window, clear_on_success)


@dataclass(frozen=True)
class Attempt:
    """A counted attempt; give it back with `succeeded()` when only failures should count."""

    counters: tuple[Counter, ...]
    bucket: int
    at: float

    def succeeded(self) -> None:
        try:
            self._take_back()
        except Exception:  # the cache went away after the check: the attempt stays counted
            logger.warning("login throttle: could not take back a successful attempt", exc_info=True)

    def _take_back(self) -> None:
        for c in self.counters:
            if c.clear_on_success:
                c.clear(self.at)  # e.g. the identifier starts afresh
            else:
                c.decrement(self.bucket)  # e.g. the address keeps only its failures


def attempt_start(counters: Sequence[Counter]) -> Attempt | int:
    """Count one attempt against every counter. Returns the attempt, or the seconds to
    wait (Retry-After) when any counter has used up its limit within its window.

    Fails closed: when the cache does not answer, attempts cannot be counted, and a
    password check that is not counted could be guessed at without limit, so the
    attempt is refused (Unavailable, 503) instead."""
    try:
        return _attempt_start(counters)
    except Exception as exc:
        logger.warning("login throttle unavailable: refusing the attempt", exc_info=True)
        raise Unavailable() from exc


def _attempt_start(counters: Sequence[Counter]) -> Attempt | int:
    now = time.time()
    waits = [wait for c in counters if (wait := c.retry_after(now))]
    if waits:
        return max(waits)
    bucket = int(now // BUCKET_SECONDS)
    for c in counters:
        c.increment(bucket)
    # Concurrent attempts counted themselves too: past the limit, this one is refused
    # and taken back (a refused attempt checks nothing, so it is no failure).
    over = [c for c in counters if sum(n for _, n in c.counts(now)) > c.limit]
    if over:
        for c in counters:
            c.decrement(bucket)
        return max(c.retry_after(now) or 1 for c in over)
    return Attempt(counters=tuple(counters), bucket=bucket, at=now)


def login_attempt_start(*, account: int | None, identifier: str, ip: str | None) -> Attempt | int:
    """Count one password check against the account it is for (its id) or, when the
    identifier names no account, against the identifier; and, when known, the address.

    Counting per account means five failures by email and five more by username are one
    limit, not two. An unknown identifier has a limit of its own, the same, so the
    answers (401s, then 429s with the same Retry-After) do not tell who exists."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    limit = settings.LOGIN_FAILURES_PER_IDENTIFIER
    counters = [
        counter("login-attempts:user", str(account), limit=limit, window=window, clear_on_success=True)
        if account is not None
        else counter("login-attempts:id", identifier, limit=limit, window=window, clear_on_success=True)
    ]
    if ip:
        counters.append(counter("login-attempts:ip", ip, limit=settings.LOGIN_FAILURES_PER_IP, window=window))
    return attempt_start(counters)


def registration_attempt_start(*, ip: str | None) -> Attempt | int:
    """Count one registration attempt for the address. Requests whose address is unknown
    share one counter rather than escaping the limit."""
    return attempt_start(
        [
            counter(
                "register-attempts:ip",
                ip or "unknown",
                limit=settings.REGISTRATIONS_PER_IP,
                window=settings.REGISTRATION_WINDOW_SECONDS,
            )
        ]
    )
