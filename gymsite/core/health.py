"""Dependency checks for /api/health. Each one has a short timeout; none may hang."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)
CHECK_TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")

    async def roundtrip():
        channel = await layer.new_channel("health.")
        payload = {"type": "health.ping", "nonce": uuid.uuid4().hex}
        await layer.send(channel, payload)
        received = await layer.receive(channel)
        if received.get("nonce") != payload["nonce"]:
            raise RuntimeError("channel layer returned another message")

    async def bounded():
        await asyncio.wait_for(roundtrip(), CHECK_TIMEOUT_SECONDS)

    async_to_sync(bounded)()


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder.parent / ".health"
        probe.write_text("ok")
        probe.unlink()
        return
    from kombu import Connection

    with Connection(
        url,
        connect_timeout=CHECK_TIMEOUT_SECONDS,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)


CHECKS = {"database": check_database, "channel_layer": check_channel_layer, "broker": check_broker}


def run_checks() -> dict[str, str]:
    """{"database": "ok" | "error", ...}. The database check runs on this thread (its
    connection belongs to it); the others run beside it, all under one deadline, so a
    dependency that accepts connections but never answers costs the probe ~3 s in all,
    not 3 s per check in turn."""
    results: dict[str, str] = {}
    deadline = time.monotonic() + CHECK_TIMEOUT_SECONDS + 1
    executor = ThreadPoolExecutor(max_workers=2)
    try:
        futures = {
            name: executor.submit(check) for name, check in CHECKS.items() if name != "database"
        }
        try:
            check_database()
            results["database"] = "ok"
        except Exception:
            logger.warning("health check database failed", exc_info=True)
            results["database"] = "error"
        for name, future in futures.items():
            try:
                future.result(timeout=max(0.0, deadline - time.monotonic()))
                results[name] = "ok"
            except FutureTimeout:
                logger.warning("health check %s timed out", name)
                results[name] = "timeout"
            except Exception:
                logger.warning("health check %s failed", name, exc_info=True)
                results[name] = "error"
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    return {name: results[name] for name in CHECKS}
