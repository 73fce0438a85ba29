"""What the operations layer adds to every request: the rate-limit check, the log line, the
metrics, and the SQL query counter.

`.venv/bin/python -m bench.ops [--n N]` — in process, with REDIS_URL from the environment
(the rate limit's count is one Redis round trip then; without it, local memory). Each row
is timed beside its floor measured in the same run:

- rate limit (gymsite.core.throttling.RateLimitThrottle.allow_request, a signed-in user):
  floor a bare Redis PING on the same client (one round trip, the least any Redis call
  costs); without Redis, the floor is a dict lookup.
- the request's log line (gymsite.core.logs: the record's fields, the JSON formatter with
  its redaction, written to a file): floor `json.dumps` of the same fields written to the
  same file.
- the request metrics (a counter and a histogram, labelled): floor a bare unlabelled
  counter increment.
- the query counter (an execute wrapper) around `SELECT 1`: floor `SELECT 1` bare.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time


def timed(function, n: int) -> tuple[float, float]:
    """(median, p95) in microseconds over n calls."""
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="calls per row")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymsite.settings")
    os.environ.setdefault("GYMSITE_VAR_DIR", tempfile.mkdtemp(prefix="bench-ops-"))
    os.environ.pop("DATABASE_URL", None)  # SELECT 1 on the embedded SQLite is enough here
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from prometheus_client import Counter
    from rest_framework.test import APIRequestFactory

    from gymsite.core import logs, metrics
    from gymsite.core.throttling import RateLimitThrottle

    class User:
        pk = 7
        is_authenticated = True

    request = APIRequestFactory().get("/api/v1/members")
    request.user, request.auth, request.resolver_match = User(), None, None
    settings.RATE_LIMITS = {"user": "100000000/min", "token": "100000000/min", "anon": "100000000/min"}
    throttle = RateLimitThrottle()
    if settings.REDIS_URL:
        client = cache._cache.get_client(write=True)
        floor = client.ping
        floor_label = "Redis PING (one round trip)"
    else:
        table = {"k": 1}

        def floor():
            return table.get("k")

        floor_label = "dict lookup (local memory, no Redis)"

    rows = [("rate limit check", timed(lambda: throttle.allow_request(request, None), args.n), floor_label, timed(floor, args.n))]

    log_file = open(os.path.join(tempfile.mkdtemp(prefix="bench-ops-log-"), "log"), "w")  # noqa: SIM115
    handler = logging.StreamHandler(log_file)
    handler.setFormatter(logs.JsonFormatter())
    request_logger = logging.getLogger("gymsite.request")
    request_logger.handlers, request_logger.propagate, request_logger.level = [handler], False, logging.INFO

    def log_line():
        record = logs.RequestRecord(method="GET", path="/api/v1/members")
        record.status, record.view, record.user, record.gym, record.queries = 200, "member-list", 7, 1, 3
        request_logger.info("GET /api/v1/members 200 1.0ms", extra=record.fields())

    fields = logs.RequestRecord(method="GET", path="/api/v1/members").fields()

    def log_floor():
        log_file.write(json.dumps(fields) + "\n")
        log_file.flush()

    handler.flush = log_file.flush
    rows.append(("request log line (JSON, redacted)", timed(log_line, args.n), "json.dumps + write of the fields", timed(log_floor, args.n)))

    bare = Counter("bench_bare_total", "A bare counter.")
    rows.append(
        (
            "request metrics (counter + histogram)",
            timed(lambda: metrics.observe_request(view="member-list", method="GET", status=200, seconds=0.01), args.n),
            "a bare counter increment",
            timed(bare.inc, args.n),
        )
    )

    def select_one():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    record = logs.RequestRecord(method="GET", path="/")

    def counted():
        with connection.execute_wrapper(logs._QueryCounter(record)):
            select_one()

    rows.append(("SELECT 1 with the query counter", timed(counted, args.n), "SELECT 1 bare", timed(select_one, args.n)))

    print(f"{args.n} calls per row; Python {sys.version.split()[0]}; Redis: {'yes' if settings.REDIS_URL else 'no'}")
    print("| work | median | p95 | floor | floor median | floor p95 | added (median) |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: |")
    for name, (median, p95), floor_name, (floor_median, floor_p95) in rows:
        print(
            f"| {name} | {median:.1f} µs | {p95:.1f} µs | {floor_name} | {floor_median:.1f} µs | "
            f"{floor_p95:.1f} µs | {median - floor_median:+.1f} µs |"
        )
    log_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
