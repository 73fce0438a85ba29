"""Structured logs: one line per request, JSON by default (LOG_FORMAT=json|text).

- `AccessLogMiddleware` (ASGI, inside RequestContextMiddleware) times every HTTP request
  and writes its one line to the `gymsite.request` logger when the answer's last byte is
  out: request id, method, path (never the query string: it may carry a token), status,
  duration in ms, SQL queries, the view, and who asked (user, API token or device) for
  which gym. It also feeds the request metrics (gymsite.core.metrics).
- `RequestObserverMiddleware` (Django, in MIDDLEWARE) fills in what only Django knows: the
  view, who DRF authenticated, and the number of SQL queries (an execute wrapper, no
  query of its own). Outside daphne (the test client) it writes the line itself.
- The formatters redact secrets from every line, whatever wrote it: JWTs, API and device
  tokens, and the values of password/token/key fields and query parameters. Nothing else
  needs to remember not to log them.
- Celery: the request id travels in the task message's headers (before_task_publish) and
  is the id of every log line the task writes in the worker (task_prerun).
- Every line a process writes goes through these formatters, not only our own loggers':
  `configure` (settings.LOGGING_CONFIG) captures Python's warnings too; daphne's startup
  lines, its access log and Twisted's log (gymsite.core.server), Celery's banners and
  shutdown notices (gymsite.celery) are records of their loggers. `configure_early` gives
  a server the same handler before Django has read its settings.
"""

from __future__ import annotations

import json
import logging
import logging.config
import os
import re
import sys
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection
from django.utils.functional import SimpleLazyObject, empty

from . import metrics
from .request_id import RequestIdFilter, current_request_id, set_current_request_id

request_logger = logging.getLogger("gymsite.request")

# --- redaction ----------------------------------------------------------------------------

REDACTED = "[redacted]"
_SECRET_NAMES = r"password|passwd|new_password|current_password|token|access|refresh|api_key|key|secret|fingerprint_data|template|authorization"
_SECRETS = re.compile(
    # A JWT: three base64url parts, the first a JSON header ("eyJ").
    r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"
    # Personal API tokens and device tokens.
    r"|\b(?:gymsite|gymdev)_[A-Za-z0-9_-]{8,}"
    # "Bearer <anything>" in a header written out.
    r"|(?i:bearer)\s+[^\s\"',;]+"
    # name=value in a query string or a form; "name": "value" and 'name': 'value' in JSON
    # or a repr.
    rf"|(?i:\b(?:{_SECRET_NAMES})=)[^&\s\"']+"
    rf"|(?i:[\"'](?:{_SECRET_NAMES})[\"']\s*:\s*)(?:\"[^\"]*\"|'[^']*'|b'[^']*')"
)


def _redact_match(match: re.Match) -> str:
    text = match.group(0)
    if text.startswith(("eyJ", "gymsite_", "gymdev_")):
        return REDACTED
    if text[:6].lower() == "bearer":
        return "Bearer " + REDACTED
    if "=" in text and ":" not in text.split("=", 1)[0]:
        return text.split("=", 1)[0] + "=" + REDACTED
    name, _sep, _value = text.partition(":")
    return f'{name}: "{REDACTED}"'


def redact(text: str) -> str:
    """`text` with every secret it holds replaced by [redacted]."""
    return _SECRETS.sub(_redact_match, text)


# --- formatters -----------------------------------------------------------------------------

# Attributes of a request's line (and of any record given them with `extra=`).
FIELDS = ("method", "path", "status", "duration_ms", "queries", "view", "user", "token", "device", "gym")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, request_id, message, the request's
    fields when the record has them, exc (the traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or current_request_id() or "-",
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # Each value redacted before it is encoded: a secret is found in the text as it
        # was written (quotes and all), and the line stays valid JSON.
        return json.dumps({name: _redacted(value) for name, value in entry.items()}, ensure_ascii=False)


def _redacted(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(value if isinstance(value, str) else str(value))


class TextFormatter(logging.Formatter):
    """`LOG_FORMAT=text`: a line for people, with the request id in brackets."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return redact(super().format(record))


# --- configuration -------------------------------------------------------------------------


def configure(config: dict) -> None:
    """settings.LOGGING_CONFIG: settings.LOGGING, and Python's warnings (a library's
    deprecation, Celery's security warning) as records of the `py.warnings` logger instead
    of text on stderr."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)


def configure_early(environ=os.environ) -> None:
    """The handler settings.LOGGING installs, given before Django has read its settings: a
    server's first lines, a warning or an error while the settings load are lines of the
    same format (LOG_FORMAT, LOG_LEVEL from the environment). An exception nobody caught,
    in the main thread or another, is logged too (CRITICAL, with its traceback), not
    printed. Django replaces the handler with its own when it sets up."""
    text = (environ.get("LOG_FORMAT") or "").strip().lower() == "text"
    level = (environ.get("LOG_LEVEL") or "").strip().upper()
    handler = logging.StreamHandler()
    handler.setFormatter(TextFormatter() if text else JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level if isinstance(logging.getLevelName(level), int) else logging.INFO)
    logging.captureWarnings(True)
    log_uncaught_exceptions()


def log_uncaught_exceptions() -> None:
    uncaught = logging.getLogger("gymsite.uncaught")

    def main_thread(kind, value, traceback):
        if issubclass(kind, KeyboardInterrupt):
            return sys.__excepthook__(kind, value, traceback)
        uncaught.critical("uncaught exception: %s", value, exc_info=(kind, value, traceback))

    def other_thread(args):
        if args.exc_type is SystemExit:
            return
        uncaught.critical(
            "uncaught exception in thread %s: %s",
            getattr(args.thread, "name", "?"),
            args.exc_value,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )

    sys.excepthook = main_thread
    threading.excepthook = other_thread


# --- the request's record -----------------------------------------------------------------


@dataclass(slots=True)
class RequestRecord:
    method: str
    path: str
    started: float = field(default_factory=time.perf_counter)
    status: int | None = None
    view: str | None = None
    user: int | None = None
    token: int | None = None
    device: int | None = None
    gym: int | None = None
    queries: int = 0

    def fields(self) -> dict:
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "duration_ms": round((time.perf_counter() - self.started) * 1000, 1),
            "queries": self.queries,
            "view": self.view,
            "user": self.user,
            "token": self.token,
            "device": self.device,
            "gym": self.gym,
        }


_record: ContextVar[RequestRecord | None] = ContextVar("gymsite_request_record", default=None)


def current_record() -> RequestRecord | None:
    return _record.get()


def _finish(record: RequestRecord) -> None:
    fields = record.fields()
    status = record.status or 500
    level = logging.ERROR if status >= 500 else logging.INFO
    if request_logger.isEnabledFor(level):
        request_logger.log(
            level,
            "%s %s %s %.1fms",
            record.method,
            record.path,
            status,
            fields["duration_ms"],
            extra=fields,
        )
    metrics.observe_request(
        view=record.view or "<unresolved>",
        method=record.method,
        status=status,
        seconds=fields["duration_ms"] / 1000,
    )


class AccessLogMiddleware:
    """ASGI, for HTTP: one record per request, written out when the answer is complete (or
    as a 500 when the application raised before answering)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        record = RequestRecord(method=scope.get("method", ""), path=scope.get("path", ""))
        token = _record.set(record)
        done = False

        async def observed_send(message):
            nonlocal done
            if message["type"] == "http.response.start":
                record.status = message["status"]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body") and not done:
                done = True
                _finish(record)

        try:
            await self.app(scope, receive, observed_send)
        except BaseException:
            if not done:
                done = True
                record.status = record.status or 500
                _finish(record)
            raise
        finally:
            if not done:  # the client left before the answer was complete
                record.status = record.status or 499
                _finish(record)
            _record.reset(token)


def _who(request, record: RequestRecord) -> None:
    """Who DRF (or the session) authenticated, without a query: the session's lazy user,
    not loaded by anything else, is left alone."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    if user is not None and getattr(user, "is_authenticated", False):
        record.user = user.pk
        record.gym = getattr(user, "gym_id", None)
    auth = request.__dict__.get("auth")
    if auth is not None and type(auth).__name__ == "APIToken":
        record.token = auth.pk


class _QueryCounter:
    __slots__ = ("record",)

    def __init__(self, record: RequestRecord):
        self.record = record

    def __call__(self, execute, sql, params, many, context):
        self.record.queries += 1
        return execute(sql, params, many, context)


class RequestObserverMiddleware:
    """Django: the view, the caller and the SQL query count of the request's record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        record = _record.get()
        owned = record is None
        if owned:  # not under the ASGI stack (the test client): this middleware writes the line
            record = RequestRecord(method=request.method, path=request.path)
            token = _record.set(record)
        try:
            with connection.execute_wrapper(_QueryCounter(record)):
                response = self.get_response(request)
            _who(request, record)
        finally:
            if owned:
                _record.reset(token)
        if owned:
            record.status = response.status_code
            _finish(record)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        record = _record.get()
        match = request.resolver_match
        if record is not None and match is not None:
            record.view = match.view_name or match._func_path


# --- Celery ---------------------------------------------------------------------------------

TASK_HEADER = "gymsite_request_id"


def _task_published(sender=None, headers=None, **kwargs):
    """before_task_publish: the task message carries the id of the request that sent it."""
    request_id = current_request_id()
    if request_id and headers is not None and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


def _task_started(sender=None, task=None, **kwargs):
    """task_prerun: the task's log lines carry the request's id (or the task's own)."""
    request = getattr(task, "request", None)
    request_id = getattr(request, TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    set_current_request_id(request_id or (getattr(request, "id", None)))


def _task_finished(**kwargs):
    set_current_request_id(None)


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(_task_published, weak=False, dispatch_uid="gymsite.logs.publish")
    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="gymsite.logs.prerun")
    signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="gymsite.logs.postrun")
