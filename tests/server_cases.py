"""The routes of /api/v1/ sorted by what their requests carry, for the server-input tests
(tests/core/test_server_input.py in process, tests/e2e/test_server_input.py through
daphne). Built from the permission matrix's walk of the URL conf (tests/test_permissions.py)
and the app's own OpenAPI schema, so a new endpoint is covered without new test code.
"""

from __future__ import annotations

import functools
import re

from drf_spectacular.generators import SchemaGenerator

from tests.test_permissions import CASES, Case

WRITE_METHODS = ("post", "put", "patch")
# `[` x 1000 then `]` x 1000: a RecursionError (500) in json.loads before the parser's fix.
DEEP_JSON = "[" * 1000 + "]" * 1000
MULTIPART = "multipart/form-data"


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}|%\([^)]+\)s", "{}", path).rstrip("/")


@functools.cache
def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@functools.cache
def _operations() -> dict[tuple[str, str], dict]:
    return {
        (_shape(path), method): operation
        for path, operations in _schema()["paths"].items()
        for method, operation in operations.items()
    }


def operation(case: Case) -> dict | None:
    return _operations().get((_shape(case.template), case.method))


def body_types(case: Case) -> set[str]:
    """The content types the schema says this operation's body may have."""
    op = operation(case) or {}
    return set((op.get("requestBody") or {}).get("content", {}))


def required_fields(case: Case, content_type: str) -> list[str]:
    """The fields the schema requires in this operation's body of that content type."""
    schema = operation(case)["requestBody"]["content"][content_type]["schema"]
    if "$ref" in schema:
        schema = _schema()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return list(schema.get("required", []))


def _unique(cases):
    return sorted(cases, key=lambda case: case.id)


# Every operation that reads a JSON body.
JSON_BODY_CASES = _unique(
    case for case in CASES if case.method in WRITE_METHODS and "application/json" in body_types(case)
)
# Every JSON write that takes no upload: a form or multipart body is a 415.
NO_UPLOAD_CASES = _unique(case for case in JSON_BODY_CASES if MULTIPART not in body_types(case))
PUT_CASES = _unique(case for case in CASES if case.method == "put")
# The uploads' updates: multipart besides JSON.
UPLOAD_UPDATE_CASES = _unique(
    case
    for case in CASES
    if case.method in ("put", "patch") and {MULTIPART, "application/json"} <= body_types(case)
)


def _routes() -> dict[str, tuple[Case, set[str]]]:
    """One case per URL pattern, with the methods the pattern answers."""
    routes: dict[str, tuple[Case, set[str]]] = {}
    for case in CASES:
        first, methods = routes.setdefault(case.template, (case, set()))
        methods.add(case.method.upper())
    return routes


ROUTES = sorted(_routes().values(), key=lambda item: item[0].template)


def missing_methods(served: set[str]) -> list[str]:
    """Methods a route does not have: TRACE always, and the usual ones it lacks."""
    usual = {"GET", "POST", "PUT", "PATCH", "DELETE"}
    if "GET" in served:
        served = served | {"HEAD"}
    return ["TRACE", *sorted(usual - served)]


def case_id(case: Case) -> str:
    return case.id
