"""Django middleware that answers before a view runs (requests too large to read, methods
a DRF route does not have), and one that marks API answers as not to be stored."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.views import APIView


def json_error(status: int, detail, code: str, headers=None) -> HttpResponse:
    body = json.dumps({"detail": str(detail), "code": code})
    return HttpResponse(body, status=status, content_type="application/json", headers=headers)


def too_large_response() -> HttpResponse:
    return json_error(413, _("The request body is too large."), "too_large")


def too_many_fields_response() -> HttpResponse:
    return json_error(400, _("The request has too many parameters."), "too_many_fields")


def query_has_too_many_fields(query_string: str | bytes) -> bool:
    """The check Django's QueryDict makes (DATA_UPLOAD_MAX_NUMBER_FIELDS, counted as
    parse_qsl counts: separators + 1) before anything builds request.GET: past it,
    request.GET raises TooManyFieldsSent wherever it is first read, a 400 in HTML or a 500."""
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    if limit is None or not query_string:
        return False
    separator = b"&" if isinstance(query_string, bytes) else "&"
    return query_string.count(separator) + 1 > limit


class BodySizeLimitMiddleware:
    """First in the chain: refuse a body over MAX_REQUEST_BODY_BYTES (413) and a query
    string with too many parameters (400), in JSON, before anything reads them.

    A chunked body has no Content-Length of its own: the ASGI stack gives it one once it
    has read it (gymsite.core.asgi_middleware.RequestBodyMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BODY_BYTES:
            return too_large_response()
        if query_has_too_many_fields(request.META.get("QUERY_STRING", "")):
            return too_many_fields_response()
        if length == 0:
            # DRF reads an empty body sent as a form as an empty HTML form, whatever parsers
            # the view takes (no 415), where every boolean left out means False. Without a
            # body there is nothing for a content type to describe.
            request.META.pop("CONTENT_TYPE", None)
        return self.get_response(request)


def drf_allowed_methods(view_func) -> set[str] | None:
    """The methods a DRF view answers (upper case), or None for a view that is not DRF's.

    A viewset route answers the methods of its action map (DRF adds HEAD for GET), any
    APIView the handlers it defines; both answer OPTIONS."""
    cls = getattr(view_func, "cls", None)
    if cls is None or not issubclass(cls, APIView):
        return None
    actions = getattr(view_func, "actions", None)
    initkwargs = getattr(view_func, "initkwargs", None) or {}
    names = initkwargs.get("http_method_names", cls.http_method_names)
    if actions:
        methods = {method for method in actions if method in names}
    else:
        methods = {method for method in names if hasattr(cls, method)}
    if "get" in methods:
        methods.add("head")
    methods.add("options")
    return {method.upper() for method in methods}


class MethodNotAllowedMiddleware:
    """A method a DRF route does not have (TRACE, PUT on a read-only route...) is a 405
    with the JSON body, for anonymous and authenticated clients alike.

    DRF itself authenticates and checks permissions before it looks the method up, so an
    anonymous TRACE was a 401 and an authenticated one a 403 (RolePermission refuses an
    action it does not know)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        allowed = drf_allowed_methods(view_func)
        if allowed is None or request.method in allowed:
            return None
        exc = MethodNotAllowed(request.method)
        return json_error(
            405, exc.detail, exc.default_code, headers={"Allow": ", ".join(sorted(allowed))}
        )


API_PREFIX = "/api/v1/"


class NoStoreMiddleware:
    """Answers under /api/v1/ are never stored by a browser or a shared cache: they hold
    members' personal data and, from /auth/, tokens (RFC 6749 5.1 requires `no-store` on
    a token answer). A view that sets its own Cache-Control keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # `/api/v1` (the index, without its slash) is under the API too.
        in_api = request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/")
        if in_api and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
