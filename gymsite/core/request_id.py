"""One id per HTTP request: the client's `X-Request-ID` when it sends a sensible one, else a
new one. The ASGI stack sets it (gymsite.core.asgi_middleware.RequestContextMiddleware),
answers it in the `X-Request-ID` response header, puts it in a 500's body and in every log
line written while the request runs, so a user's report of a failure finds its log entry.

Pure Python: the daphne layer (gymsite.core.server) uses it before Django answers.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

HEADER = b"x-request-id"
# What a client may choose: ids from proxies and tracing tools (UUIDs, hex, dotted or
# slashed ids), nothing that could break a header or a log line.
_VALID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

_current: ContextVar[str | None] = ContextVar("gymsite_request_id", default=None)


def valid_request_id(value: bytes | str | None) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if value and _VALID.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from_headers(headers) -> str:
    """The id for a request with these ASGI (or Twisted raw) headers: (name, value) pairs."""
    for name, value in headers:
        if name.lower() == HEADER:
            return valid_request_id(value) or new_request_id()
    return new_request_id()


def current_request_id() -> str | None:
    return _current.get()


def set_current_request_id(request_id: str | None) -> None:
    _current.set(request_id)


class RequestIdFilter(logging.Filter):
    """Gives every log record a `request_id` ("-" outside a request) for the formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True
