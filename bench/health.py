"""How soon GET /api/health answers when a dependency is down or hangs.

`.venv/bin/python -m bench.health [--requests N]` — in process (Django's test client, no
server), the site configured with REDIS_URL (channel layer and Celery broker on Redis) and
DATABASE_URL from the environment (else the embedded SQLite under a temporary folder; the
check only runs SELECT 1). tests/core/test_health.py checks what the endpoint answers in
these cases; this measures how long it takes, against the goal: within the deadline the
endpoint gives a check (CHECK_TIMEOUT_SECONDS + 1 s) and half a second for the rest, well
before a proxy's or Docker's health probe gives up (8 s in the Dockerfile). A row over the
goal is marked, as the other benchmarks mark theirs.

Rows:
- Redis refuses connections (nothing listens on its port);
- Redis accepts connections and never answers (a socket here that reads and stays silent);
- one check hangs (the broker check replaced by one that sleeps far past the deadline).
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack

CLOSED_PORT = 1  # nothing listens there


def silent_server() -> tuple[socket.socket, int]:
    """A TCP server on loopback that accepts connections, reads and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []

    def accept():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # closed at the end of the run
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    return server, server.getsockname()[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3, help="requests per row")
    args = parser.parse_args(argv)

    server, silent_port = silent_server()
    var_dir = tempfile.mkdtemp(prefix="bench-health-")
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{silent_port}/0"
    os.environ["GYMSITE_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymsite.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ["CELERY_BROKER_URL"] = ""

    import django

    django.setup()
    # Each request logs the failed checks it was built to meet.
    for logger in ("gymsite.core.health", "django.request"):
        logging.getLogger(logger).setLevel(logging.CRITICAL)

    from django.conf import settings
    from django.test import Client, override_settings

    from gymsite.core import health

    refused = f"redis://127.0.0.1:{CLOSED_PORT}/0"
    layer = settings.CHANNEL_LAYERS["default"]
    # The cache (throttling) on local memory: only the health checks meet the dead Redis.
    local_cache = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    in_memory_layer = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

    def hang():
        time.sleep(health.CHECK_TIMEOUT_SECONDS * 10)

    rows = [
        (
            "Redis refuses connections",
            {"CHANNEL_LAYERS": {"default": {**layer, "CONFIG": {"hosts": [refused]}}},
             "CELERY_BROKER_URL": refused},
            None,
        ),
        ("Redis accepts and never answers", {}, None),
        ("the broker check hangs", {"CHANNEL_LAYERS": in_memory_layer}, hang),
    ]
    goal = health.CHECK_TIMEOUT_SECONDS + 1.5
    client = Client()
    results = []
    try:
        for name, overrides, broker_check in rows:
            timings, answers = [], set()
            with ExitStack() as stack:
                stack.enter_context(override_settings(CACHES=local_cache, **overrides))
                if broker_check is not None:
                    stack.callback(health.CHECKS.__setitem__, "broker", health.CHECKS["broker"])
                    health.CHECKS["broker"] = broker_check
                for _ in range(args.requests):
                    started = time.perf_counter()
                    response = client.get("/api/health")
                    timings.append(time.perf_counter() - started)
                    checks = response.json()["checks"]
                    answers.add(f"{response.status_code} " + ", ".join(f"{k} {v}" for k, v in checks.items()))
            results.append((name, statistics.median(timings), max(timings), " / ".join(sorted(answers))))
    finally:
        server.close()

    print(
        f"Goal: every answer within {goal:.1f} s (CHECK_TIMEOUT_SECONDS + 1 s, + 0.5 s); "
        f"{args.requests} requests per row."
    )
    print()
    print("| case | median | max | answer |")
    print("| --- | ---: | ---: | --- |")
    for name, median, worst, answer in results:
        over = " (over the goal)" if worst > goal else ""
        print(f"| {name} | {median:.2f} s | {worst:.2f} s{over} | {answer} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
