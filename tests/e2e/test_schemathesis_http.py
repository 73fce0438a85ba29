"""Schemathesis over HTTP: every operation of the schema the running daphne serves
(gymsite.core.server, as `make run` starts it), driven as a receptionist and as an admin
with a bounded number of examples each, so that the server layer (Twisted, daphne, our
ASGI middleware) is inside the test and not only Django's test client
(tests/test_schemathesis.py is the in-process twin).

It fails on a 5xx, a status, content type, body or header the schema does not describe,
and on an error answer outside the shared contract: `{detail, code, errors?}` in JSON
with the request's X-Request-ID. API answers must not be stored by caches.

The site is one of its own (tests/e2e/stack.py): the examples enroll members, change the
caller's profile and trip the login throttle, which the package's shared site must not
see. Both roles log in before any example runs, since the login throttle counts the
random logins against the one client address.
"""

from __future__ import annotations

import json

import pytest
import requests
import schemathesis
from django.conf import settings as django_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from rest_framework.renderers import JSONRenderer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.inspections.ai_server import ChatServer

from .stack import running_site

pytestmark = pytest.mark.e2e

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Generated examples per operation and role (the explicit phase adds its own): the whole
# module runs in about two minutes on two busy cores.
MAX_EXAMPLES = 8

ACCOUNTS = {
    "receptionist": ("receptionist@gym.com", "receptionist123"),
    "admin": ("admin@gym.com", "admin123"),
}


@pytest.fixture(scope="module")
def http_site(tmp_path_factory):
    database_url = django_settings.DATABASE_URL if django_settings.IS_POSTGRES else ""
    # POST /ai/analyze answers 503 without an AI provider and 502 when it fails, by design:
    # the site talks to a local chat completions server suggesting "na" (fits every type).
    with ChatServer() as chat:
        chat.content = json.dumps(
            {"answer_value": "na", "confidence": 0.5, "explanation": "", "is_flagged": False, "comments": ""}
        )
        with running_site(
            tmp_path_factory.mktemp("schemathesis"),
            database_url=database_url,
            redis_url=django_settings.REDIS_URL,
            extra_env={"AI_BASE_URL": chat.base_url, "AI_MODEL": "stub"},
        ) as running:
            yield running


@pytest.fixture(scope="module")
def tokens(http_site) -> dict[str, str]:
    out = {}
    for role, (email, password) in ACCOUNTS.items():
        response = requests.post(
            http_site.url("/api/v1/auth/login"),
            json={"email": email, "password": password},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        out[role] = response.json()["access_token"]
    return out


def generated_schema() -> dict:
    """The app's OpenAPI schema as /api/schema/ serves it, made in process: the examples
    are drawn at collection, before the site runs. (schemathesis.pytest.from_fixture would
    load it from the site, but its lazy loader reads `request.node._nodeid`, which pytest 9
    no longer has.) The first test checks daphne serves this very schema."""
    return json.loads(
        JSONRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    )


SCHEMA = generated_schema()
schema = schemathesis.openapi.from_dict(SCHEMA)


def _resolve(schema: dict) -> dict:
    if "$ref" in schema:
        return SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def documented_error_bodies(case, status: int) -> list[dict]:
    """The body schemas the schema gives this operation's answer at this status: the
    shared `Error`, or an operation's own (a refused check-in adds `attendance_id`, an
    import lists its rows' errors)."""
    operation = SCHEMA["paths"].get(case.path, {}).get(case.method.lower(), {})
    response = operation.get("responses", {}).get(str(status))
    if response is None:  # a method the path lacks, or status_code_conformance's business
        return [_resolve({"$ref": "#/components/schemas/Error"})]
    schema = _resolve(response["content"]["application/json"]["schema"])
    return [_resolve(one) for one in schema.get("oneOf", [])] or [schema]


def assert_error_contract(response, case) -> None:
    """What this API promises besides the schema: the request's id on every answer,
    nothing a cache may keep under /api/v1/, and an error body that has every key its
    schema requires and none it does not name (the schemas allow any)."""
    label = f"{case.method} {case.formatted_path}"
    headers = {name.lower(): ", ".join(values) for name, values in response.headers.items()}
    assert headers.get("x-request-id"), (label, headers)
    if case.formatted_path.startswith("/api/v1/"):
        assert "no-store" in headers.get("cache-control", ""), (label, headers)
    if response.status_code >= 400:
        body = response.json()
        assert any(
            set(schema.get("required", [])) <= set(body) <= set(schema["properties"])
            for schema in documented_error_bodies(case, response.status_code)
        ), (label, response.status_code, body)
        if "code" in body:
            assert isinstance(body["detail"], str) and body["detail"], (label, body)
            assert isinstance(body["code"], str) and body["code"], (label, body)


def bounded(*phases: Phase):
    return settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        phases=list(phases),  # no shrinking: keep CI time bounded
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )


def call_and_check(case, site, token: str) -> None:
    response = case.call_and_validate(
        base_url=site.base_url,
        headers={"Authorization": f"Bearer {token}"},
        checks=CHECKS,
        timeout=60,
    )
    assert_error_contract(response, case)


def test_daphne_serves_the_schema_the_examples_come_from(http_site):
    response = requests.get(http_site.url("/api/schema/?format=json"), timeout=60)
    assert response.status_code == 200, response.text[:300]
    assert response.json() == SCHEMA


# The receptionist first: the admin's examples may deactivate staff (a random id). The
# explicit phase holds schemathesis' coverage cases (boundary values, each enum, missing
# and wrong-typed fields, methods an operation lacks): ~65 requests an operation, so the
# admin, whose operations the receptionist's run already covers so, gets generated
# examples only.
@schema.parametrize()
@bounded(Phase.explicit, Phase.generate)
def test_the_served_api_matches_its_schema_as_a_receptionist(case, http_site, tokens):
    call_and_check(case, http_site, tokens["receptionist"])


@schema.parametrize()
@bounded(Phase.generate)
def test_the_served_api_matches_its_schema_as_an_admin(case, http_site, tokens):
    call_and_check(case, http_site, tokens["admin"])
