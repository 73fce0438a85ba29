"""Check one test-client answer against the app's own OpenAPI schema (as schemathesis does
in tests/test_schemathesis.py, but for an answer a test set up on purpose: rows with blank
or null fields that random generation rarely builds)."""

from __future__ import annotations

import functools

import requests
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from schemathesis.core.transport import Response


@functools.cache
def api_schema():
    # Built in-process rather than fetched through the WSGI app: a request through the app
    # would fire request_finished and close the test's connection on PostgreSQL.
    return schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


def assert_matches_schema(response) -> None:
    """Fail unless the status, content type and body of `response` are what the schema
    documents for the operation that answered it."""
    request = response.wsgi_request
    # Routes answer with or without the trailing slash; the schema spells them without.
    path = request.path.rstrip("/")
    operation = api_schema().find_operation_by_path(request.method, path)
    assert operation is not None, f"{request.method} {request.path} is not in the schema"
    prepared = requests.Request(method=request.method, url=request.build_absolute_uri()).prepare()
    operation.validate_response(
        Response(
            status_code=response.status_code,
            headers={name: [value] for name, value in response.headers.items()},
            content=response.content,
            request=prepared,
            elapsed=0.0,
            verify=True,
        )
    )
