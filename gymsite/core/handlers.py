"""Django's error views (handler400/404/500): JSON for the API; a 500 is JSON everywhere."""

import sys

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from .errors import (
    RETRY_AFTER_UNAVAILABLE,
    database_unavailable,
    server_error_body,
    unavailable_body,
)
from .request_id import current_request_id, valid_request_id


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    """Django's own 400s (a SuspiciousOperation: a bad Host header, too many form fields in
    the admin...)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Bad request."), "code": "bad_request"}, status=400)
    return defaults.bad_request(request, exception)


def request_id_of(request) -> str | None:
    """The id the ASGI stack gave this request (also in its X-Request-ID header)."""
    return current_request_id() or valid_request_id(request.META.get("HTTP_X_REQUEST_ID"))


def server_error(request):
    # JSON for every path, the admin's too: the embedded run has no one to read an HTML
    # error page, and the body must carry the request id a user reports.
    if database_unavailable(sys.exc_info()[1]):
        # Outside DRF (the admin, a middleware's query): the same 503 as the API's.
        response = JsonResponse(unavailable_body(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_UNAVAILABLE)
        return response
    return JsonResponse(server_error_body(request_id_of(request)), status=500)
