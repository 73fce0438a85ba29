"""What a visitor finds around the API: its index at /api/v1/, the favicon, and the
Swagger UI and ReDoc pages, which load only from the site itself (drf-spectacular-sidecar
ships Swagger UI and ReDoc; settings.SPECTACULAR_SETTINGS points at them)."""

from __future__ import annotations

import re
from functools import wraps

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

API_PREFIX = "api/v1/"
FAVICON = "gymsite/favicon.ico"
# The routes that are not resources: this index and the JSON 404 for the rest of /api/.
NOT_RESOURCES = {"api-index", "api-not-found"}

# The index's links, by name: the URL names they reverse.
LINKS = {
    "docs": "swagger-ui",
    "redoc": "redoc",
    "schema": "schema",
    "health": "health",
    "login": "auth-login",
    "devices_protocol": "devices-protocol",  # the terminals' WebSocket protocol, a page
    "asyncapi": "asyncapi-yaml",  # the same as an AsyncAPI 3.0 document
}

ApiIndexSerializer = inline_serializer(
    "ApiIndex",
    {
        "name": serializers.CharField(),
        "version": serializers.CharField(),
        "links": inline_serializer(
            "ApiIndexLinks", {name: serializers.URLField() for name in LINKS}
        ),
        "resources": serializers.DictField(
            child=serializers.URLField(),
            help_text="Each top-level resource of the API, by name: its URL.",
        ),
    },
)


def _routes(resolver: URLResolver, prefix: str = ""):
    """(regex, pattern) of every route, the includes' prefixes joined in."""
    for entry in resolver.url_patterns:
        regex = prefix + entry.pattern.regex.pattern.lstrip("^")
        if isinstance(entry, URLResolver):
            yield from _routes(entry, regex)
        elif isinstance(entry, URLPattern):
            yield re.sub(r"(\$|\\Z)$", "", regex), entry


def top_level_resources() -> list[str]:
    """The first segment of every route under /api/v1/ that answers by itself
    (`members`, `payments`...; not `auth`, which only has routes below it)."""
    names = set()
    for regex, _entry in _routes(get_resolver()):
        if not regex.startswith(API_PREFIX):
            continue
        # A literal first segment: "members" of "members/?", "auth" of "auth/login/?".
        if first := re.match(r"[\w-]+(?=/|$)", regex.removeprefix(API_PREFIX)):
            names.add(first.group())
    found = []
    for name in sorted(names):
        try:
            match = resolve(f"/{API_PREFIX}{name}")
        except Resolver404:
            continue
        if match.url_name not in NOT_RESOURCES:
            found.append(name)
    return found


class ApiIndexView(APIView):
    """GET /api/v1/: what this API is and where its parts are. Public."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: ApiIndexSerializer},
        auth=[],
        tags=["api"],
        operation_id="api_index",
        summary="The API's index: its name, version, documentation and resources",
    )
    def get(self, request):
        def absolute(path: str) -> str:
            return request.build_absolute_uri(path)

        return Response(
            {
                "name": settings.SPECTACULAR_SETTINGS["TITLE"],
                "version": settings.SPECTACULAR_SETTINGS["VERSION"],
                "links": {name: absolute(reverse(url_name)) for name, url_name in LINKS.items()},
                "resources": {
                    name: absolute(f"/{API_PREFIX}{name}") for name in top_level_resources()
                },
            }
        )


@require_safe
@cache_control(max_age=24 * 60 * 60, public=True)
def favicon(request):
    """/favicon.ico, where browsers look for it (the admin has no icon link of its own)."""
    path = finders.find(FAVICON)
    if not path:
        raise Http404
    return FileResponse(open(path, "rb"), content_type="image/x-icon")  # noqa: SIM115 (FileResponse closes it)


# What the documentation pages may load: from this site only (their scripts, styles, the
# schema, the API calls of "Try it out"), plus what their scripts make themselves (inline
# styles, data: images, ReDoc's search worker from a blob:). The browser refuses anything
# else without sending a request: ReDoc's "API docs by Redocly" logo, which it loads from
# cdn.redoc.ly whatever its options say, stays a text link.
DOCS_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)


def only_from_this_site(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.setdefault("Content-Security-Policy", DOCS_CONTENT_SECURITY_POLICY)
        return response

    return wrapped


# The documentation pages: the sidecar's Swagger UI (settings), its initialisation as a
# script of its own (`?script`: no inline script, so the policy allows no inline script
# either), and ReDoc without the Google Fonts of drf-spectacular's template.
swagger_ui = only_from_this_site(SpectacularSwaggerSplitView.as_view(url_name="schema"))
redoc = only_from_this_site(
    SpectacularRedocView.as_view(url_name="schema", template_name="gymsite/redoc.html")
)
