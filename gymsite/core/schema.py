"""OpenAPI post-processing: every operation documents the shared error body; GET /metrics,
a plain Django view drf-spectacular does not see, is documented by hand."""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail", "code"],
}

ERROR_STATUSES = {
    "400": "Invalid input",
    "401": "No or bad credentials",
    "403": "Not allowed",
    "404": "Not found, or in another gym",
    "409": "Conflict with the current state",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "429": "Throttled (see Retry-After)",
    "503": "Briefly unavailable: the database, or for a login the cache that counts attempts (see Retry-After)",
}


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                # An error a view documents by its description only still answers the
                # shared body.
                if code.startswith(("4", "5")) and "content" not in response:
                    response["content"] = {"application/json": {"schema": ref}}
            for code, description in ERROR_STATUSES.items():
                if code in responses:
                    continue
                # A GET has no body: it can be a 400 (bad query) but not 409/413/415.
                if method == "get" and code in {"409", "413", "415"}:
                    continue
                responses[code] = {
                    "description": description,
                    "content": {"application/json": {"schema": ref}},
                }
    return result


def paths_without_trailing_slash(result, generator, request, public):
    """Routes answer with and without the trailing slash (`/members/1` and `/members/1/`);
    the schema spells each path the way clients call it, without."""
    result["paths"] = {
        (path.rstrip("/") or "/"): item for path, item in result.get("paths", {}).items()
    }
    return result


METRICS_SECURITY_SCHEME = "metricsToken"
METRICS_DESCRIPTION = """\
Every metric of the site in Prometheus's text exposition format, for a Prometheus server to
scrape: HTTP requests per view, method and status and their latency, check-ins granted and
denied, open WebSockets, Celery tasks and their duration, backups, requests refused by the
rate limits. With PROMETHEUS_MULTIPROC_DIR set it answers the sum of all the site's processes
(every daphne and Celery worker writing there), else this process's own.

Not for the API's users: neither a JWT nor a personal API token opens it. A scraper shows
the site's METRICS_TOKEN (`Authorization: Bearer <METRICS_TOKEN>`), or calls from an address
in METRICS_ALLOWED_IPS (addresses or networks), then without credentials. Anyone else gets
a 403; with neither setting the endpoint does not exist (404). It answers HEAD too, and is
never cached (`Cache-Control: no-store`)."""
METRICS_EXAMPLE = """\
# HELP gymsite_http_requests_total HTTP requests answered, by view, method and status.
# TYPE gymsite_http_requests_total counter
gymsite_http_requests_total{method="GET",status="200",view="health"} 42.0
"""


def add_metrics_operation(result, generator, request, public):
    """GET /metrics (gymsite.core.metrics.metrics_view), with the answers the view gives:
    the exposition as text (prometheus-client's content type), a 403 or 404 with the shared
    error body. It runs after add_error_responses: the API's usual errors (401, 429...)
    are none of this view's."""
    from .metrics import CONTENT_TYPE_LATEST

    components = result.setdefault("components", {})
    components.setdefault("securitySchemes", {})[METRICS_SECURITY_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "The scraper's token for GET /metrics: `Authorization: Bearer <METRICS_TOKEN>`.",
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    result.setdefault("paths", {})["/metrics"] = {
        "get": {
            "operationId": "metrics_retrieve",
            "summary": "Prometheus metrics",
            "description": METRICS_DESCRIPTION,
            "tags": ["health"],
            # The token, or nothing from an allowed address.
            "security": [{METRICS_SECURITY_SCHEME: []}, {}],
            "responses": {
                "200": {
                    "description": "The metrics, in Prometheus's text exposition format.",
                    "headers": {
                        "Cache-Control": {"schema": {"type": "string"}, "description": "`no-store`"},
                    },
                    "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}, "example": METRICS_EXAMPLE}},
                },
                "403": {
                    "description": "Neither the metrics token nor an address of METRICS_ALLOWED_IPS",
                    "content": error,
                },
                "404": {
                    "description": "Metrics are off: neither METRICS_TOKEN nor METRICS_ALLOWED_IPS is set",
                    "content": error,
                },
            },
        }
    }
    return result
