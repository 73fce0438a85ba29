"""Prometheus metrics (prometheus-client) and GET /metrics.

What is measured, and where:
- requests per view, method and status, and their latency (gymsite.core.logs, once per
  request with its log line);
- check-ins granted and denied, by reason and source (attendance, once committed);
- WebSocket connections per gym and kind (devices' consumers);
- Celery tasks run, by task and outcome, and their duration (Celery's signals, in the
  worker);
- backups, by kind and result, and their duration (`observe_backup`, called by backups);
- requests refused by the rate limits, and rate-limit checks skipped because the cache
  was down.

Several processes (daphne, the Celery worker and its children) keep their own counters.
With PROMETHEUS_MULTIPROC_DIR set (a folder all of them can write, emptied before they
start) every process writes its metrics there and /metrics on any daphne answers the sum
of all of them: the worker's tasks included, without an endpoint of its own. Without it
/metrics answers the serving process's own metrics only.

/metrics is open only to a scraper that shows METRICS_TOKEN (`Authorization: Bearer`) or
comes from an address in METRICS_ALLOWED_IPS (addresses or networks); anyone else gets a
403 with the error body, and with neither setting the endpoint does not exist (404).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from rest_framework.exceptions import MethodNotAllowed

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "gymsite_http_requests_total", "HTTP requests answered, by view, method and status.", ["view", "method", "status"]
)
REQUEST_LATENCY = Histogram(
    "gymsite_http_request_duration_seconds",
    "Time to answer an HTTP request, by view and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CHECKINS = Counter(
    "gymsite_checkins_total", "Check-ins decided, by result (granted, denied), reason and source.", ["result", "reason", "source"]
)
WEBSOCKETS = Gauge(
    "gymsite_websocket_connections",
    "Open WebSocket connections, by gym and kind (terminal, desk).",
    ["gym", "kind"],
    multiprocess_mode="livesum",
)
TASKS = Counter("gymsite_celery_tasks_total", "Celery tasks run, by task and state (succeeded, failed, retried).", ["task", "state"])
TASK_DURATION = Histogram(
    "gymsite_celery_task_duration_seconds",
    "Time a Celery task ran, by task.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900),
)
BACKUPS = Counter("gymsite_backups_total", "Backups run, by kind and result.", ["kind", "result"])
BACKUP_DURATION = Histogram(
    "gymsite_backup_duration_seconds",
    "Time a backup took, by kind and result.",
    ["kind", "result"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
)
RATE_LIMITED = Counter("gymsite_rate_limited_total", "Requests and messages refused by a rate limit, by scope.", ["scope"])
RATE_LIMIT_UNAVAILABLE = Counter(
    "gymsite_rate_limit_unavailable_total", "Rate-limit checks skipped because the cache did not answer."
)


# --- observations ---------------------------------------------------------------------------


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(view, method, str(status)).inc()
    REQUEST_LATENCY.labels(view, method).observe(seconds)


def observe_checkin(*, granted: bool, reason: str, source: str) -> None:
    CHECKINS.labels("granted" if granted else "denied", reason or "", source).inc()


def websocket_opened(*, gym: int | str, kind: str) -> None:
    WEBSOCKETS.labels(str(gym), kind).inc()


def websocket_closed(*, gym: int | str, kind: str) -> None:
    WEBSOCKETS.labels(str(gym), kind).dec()


def observe_backup(*, kind: str, result: str, seconds: float) -> None:
    """One backup done: `kind` (full, incremental, differential), `result` (e.g. success,
    failed) and how long it took."""
    BACKUPS.labels(kind, result).inc()
    BACKUP_DURATION.labels(kind, result).observe(seconds)


def observe_rate_limited(scope: str) -> None:
    RATE_LIMITED.labels(scope).inc()


def observe_rate_limit_unavailable() -> None:
    RATE_LIMIT_UNAVAILABLE.inc()


# --- Celery ---------------------------------------------------------------------------------

_task_started: dict[str, float] = {}


def _task_prerun(task_id=None, **kwargs):
    if task_id:
        _task_started[task_id] = time.monotonic()


def _task_postrun(task_id=None, task=None, state=None, **kwargs):
    started = _task_started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    if started is not None:
        TASK_DURATION.labels(name).observe(time.monotonic() - started)
    if state == "SUCCESS":
        TASKS.labels(name, "succeeded").inc()


def _task_failure(sender=None, **kwargs):
    TASKS.labels(getattr(sender, "name", "unknown"), "failed").inc()


def _task_retry(sender=None, **kwargs):
    TASKS.labels(getattr(sender, "name", "unknown"), "retried").inc()


def _worker_process_shutdown(pid=None, **kwargs):
    """A pool child that exits takes its live gauges with it."""
    if os.environ.get(MULTIPROC_DIR_VARIABLE):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


def connect_celery_signals() -> None:
    from celery import signals

    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="gymsite.metrics.prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="gymsite.metrics.postrun")
    signals.task_failure.connect(_task_failure, weak=False, dispatch_uid="gymsite.metrics.failure")
    signals.task_retry.connect(_task_retry, weak=False, dispatch_uid="gymsite.metrics.retry")
    signals.worker_process_shutdown.connect(
        _worker_process_shutdown, weak=False, dispatch_uid="gymsite.metrics.child_exit"
    )


# --- GET /metrics ---------------------------------------------------------------------------


def exposition() -> bytes:
    """Every metric in Prometheus's text format: all processes' with a multiprocess folder,
    else this process's."""
    if os.environ.get(MULTIPROC_DIR_VARIABLE):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@lru_cache(maxsize=8)
def _networks(allowed: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item, strict=False) for item in allowed)


def _client_address(request) -> str | None:
    address = request.META.get("REMOTE_ADDR")
    if settings.USE_X_FORWARDED_FOR and request.META.get("HTTP_X_FORWARDED_FOR"):
        address = request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip()
    return address


def scrape_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        scheme, _sep, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), token.encode()):
            return True
    allowed = tuple(settings.METRICS_ALLOWED_IPS)
    if allowed:
        try:
            address = ipaddress.ip_address(_client_address(request) or "")
        except ValueError:
            return False
        return any(address in network for network in _networks(allowed))
    return False


def metrics_view(request):
    from .middleware import json_error

    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_IPS:
        return json_error(404, _("Not found."), "not_found")
    if request.method not in ("GET", "HEAD"):
        exc = MethodNotAllowed(request.method)
        return json_error(405, exc.detail, exc.default_code, headers={"Allow": "GET, HEAD"})
    if not scrape_allowed(request):
        return json_error(403, _("You do not have permission to perform this action."), "permission_denied")
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
