"""Every error an /api/v1/ operation documents has the shared body in the schema (found
by the HTTP probe of issue 8: /auth/register documented its 404 by a description only,
so schemathesis could not check what daphne answered). Walks the app's own schema."""

from __future__ import annotations

from tests.server_cases import _schema

SCHEMA = _schema()
ERRORS = [
    (path, method, status, response)
    for path, operations in SCHEMA["paths"].items()
    if path.startswith("/api/v1/")
    for method, operation in operations.items()
    for status, response in operation["responses"].items()
    if status.startswith(("4", "5"))
]


def _resolve(schema: dict) -> dict:
    if "$ref" in schema:
        return SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_the_walk_found_the_errors():
    assert len(ERRORS) > 300
    assert ("/api/v1/auth/register", "post", "404") in {e[:3] for e in ERRORS}


def test_every_documented_error_has_the_json_error_body():
    missing = []
    for path, method, status, response in ERRORS:
        schema = _resolve(response.get("content", {}).get("application/json", {}).get("schema", {}))
        for body in [_resolve(one) for one in schema.get("oneOf", [])] or [schema]:
            if not {"detail", "code"} <= set(body.get("required", [])):
                missing.append(f"{method.upper()} {path} {status}: {body}")
    assert not missing, "errors documented without the {detail, code} body:\n" + "\n".join(missing)
