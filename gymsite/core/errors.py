"""One error shape for the whole API: {"detail", "code", "errors"?}.

Services raise `DomainError` subclasses; this handler turns them, DRF's exceptions and
Django's own into that body with the right status. A 500 never leaks a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger("gymsite.errors")


class DomainError(Exception):
    """A rule of the domain said no. Subclasses set the HTTP status and a stable code."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    default_detail = _("The request breaks a rule.")

    def __init__(self, detail: Any = None, code: str | None = None, *, errors=None, extra=None):
        self.detail = detail if detail is not None else self.default_detail
        self.code = code or self.default_code
        self.errors = errors
        self.extra = extra or {}
        super().__init__(str(self.detail))


class Invalid(DomainError):
    pass


class NotAllowed(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"
    default_detail = _("You do not have permission to perform this action.")


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"
    default_detail = _("Not found.")


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = _("The request conflicts with the current state.")


class Throttled(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"
    default_detail = _("Too many attempts. Try again later.")

    def __init__(self, *args, retry_after: int, **kwargs):
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class Unavailable(DomainError):
    """A service we depend on (the cache, the broker) does not answer, and going on without
    it would be unsafe (e.g. a login whose attempts cannot be counted): 503."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = _("The service is briefly unavailable. Try again in a moment.")


def _first_code(detail_codes) -> str | None:
    if isinstance(detail_codes, str):
        return detail_codes
    if isinstance(detail_codes, list) and detail_codes:
        return _first_code(detail_codes[0])
    if isinstance(detail_codes, dict) and detail_codes:
        return _first_code(next(iter(detail_codes.values())))
    return None


def _leaf_codes(detail_codes) -> set[str]:
    if isinstance(detail_codes, dict):
        return set().union(*map(_leaf_codes, detail_codes.values()))
    if isinstance(detail_codes, list):
        return set().union(*map(_leaf_codes, detail_codes))
    return {detail_codes}


def _flatten_errors(detail) -> dict[str, list[str]]:
    """DRF nests errors for nested serializers; clients get `field.sub` keys of strings."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                out.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in value)
            else:
                for index, sub in enumerate(value):
                    walk(f"{prefix}.{index}", sub)
        else:
            out.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return out


def server_error_body(request_id: str | None = None) -> dict:
    """What every 500 answers, wherever it is caught (Django's handler500, the ASGI stack,
    daphne): no traceback, no exception text; the request id, when there is one, finds
    the log entry."""
    body = {"detail": str(_("A server error occurred.")), "code": "server_error"}
    if request_id:
        body["request_id"] = request_id
    return body


def database_unavailable(exc: BaseException | None) -> bool:
    """The database could not be reached, went away mid-request, or cancelled a statement
    that ran past DB_STATEMENT_TIMEOUT_MS: the client may retry, it is not our bug."""
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)


def unavailable_body() -> dict:
    return {"detail": str(Unavailable.default_detail), "code": Unavailable.default_code}


# Seconds a client is told to wait before retrying a 503.
RETRY_AFTER_UNAVAILABLE = 5


def error_response(status_code: int, detail, code: str, errors=None, headers=None, **extra):
    body = {"detail": str(detail), "code": code}
    if errors:
        body["errors"] = errors
    body.update(extra)
    return Response(body, status=status_code, headers=headers)


def _render_errors_as_json(context) -> None:
    """An error body is JSON, with its JSON content type, even from an endpoint that
    negotiated another format (`?format=csv` on the CSV export): the schema documents every
    error as application/json, and a client reads it as such."""
    request = context.get("request")
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is not None and renderer.format not in {"json", "api"}:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type


def exception_handler(exc, context):
    _render_errors_as_json(context)
    if isinstance(exc, DomainError):
        headers = {}
        if isinstance(exc, Throttled):
            headers["Retry-After"] = str(exc.retry_after)
        elif isinstance(exc, Unavailable):
            headers["Retry-After"] = str(RETRY_AFTER_UNAVAILABLE)
        return error_response(
            exc.status_code, exc.detail, exc.code, exc.errors, headers=headers, **exc.extra
        )
    if isinstance(exc, DjangoValidationError):
        errors = (
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"non_field_errors": [str(m) for m in exc.messages]}
        )
        return error_response(400, _("Invalid input."), "invalid", errors)
    if isinstance(exc, ProtectedError | RestrictedError):
        return error_response(409, _("This record is still in use."), "in_use")
    if database_unavailable(exc):
        logger.error("database unavailable", exc_info=exc)
        return Response(unavailable_body(), status=503, headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE)})
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, _("The request body is too large."), "too_large")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten_errors(exc.detail)
        code = _first_code(exc.get_codes()) or "invalid"
        if "non_field_errors" in errors and len(errors) == 1:
            detail = errors["non_field_errors"][0]
        else:
            detail = _("Invalid input.")
            # A body naming rows that are missing (or in another gym) keeps DRF's code, the
            # same on every endpoint; any other field error is plain "invalid".
            code = "does_not_exist" if _leaf_codes(exc.get_codes()) == {"does_not_exist"} else "invalid"
        response.data = {"detail": str(detail), "code": code, "errors": errors}
        return response
    detail = exc.detail if isinstance(exc.detail, str) else _("Invalid request.")
    code = exc.detail.code if hasattr(exc.detail, "code") else exc.default_code
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # `get_codes` of a token error is a dict; keep the public code stable.
        code = code if isinstance(code, str) else "not_authenticated"
    response.data = {"detail": str(detail), "code": str(code)}
    return response
