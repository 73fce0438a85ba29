"""Dates at the edges of the calendar, on every date the API accepts, driven from the route
registry (tests/test_permissions.py) and the app's own OpenAPI schema: for every operation,
every writable body property and every query or path parameter of format date or
date-time gets 0001-01-01 / 9999-12-31 (and the datetime forms with and without offsets)
and must answer a 400 whose `errors` names it, change nothing, and never a 5xx. The
values just inside the window (gymsite/core/dates.py) never answer a 5xx either. A new
endpoint with a date is covered without new test code. CI runs it on PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone

from gymsite.accounts.roles import Role
from gymsite.core import dates
from tests import matrix
from tests.conftest import client_for
from tests.server_cases import _schema, operation
from tests.test_permissions import CASES, Case

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
FORMATS = ("date", "date-time")
BODY_TYPES = {"application/json": "json", "multipart/form-data": "multipart"}

OUTSIDE = {
    "date": ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"],
    "date-time": [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00-14:00",
        "9999-12-31T23:59:59+14:00",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59",
        "1999-12-31T23:59:59Z",
        "2000-01-01T00:00:00+14:00",
        "2200-01-01T00:00:00Z",
    ],
}
INSIDE = {
    "date": [dates.EARLIEST_DATE.isoformat(), dates.LATEST_DATE.isoformat()],
    "date-time": ["2000-01-01T00:00:00Z", "2000-01-01T00:00:00-14:00", "2199-12-31T23:59:59Z", "2199-12-31T23:59:59+14:00"],
}


@dataclass(frozen=True)
class DateInput:
    case: Case
    where: str  # "query", "path" or a body content type
    name: str
    format: str

    @property
    def id(self) -> str:
        return f"{self.case.id} {self.where} {self.name}"


def _resolve(schema: dict) -> dict:
    if "$ref" in schema:
        return _schema()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _body_schema(case: Case, content_type: str) -> dict:
    return _resolve(operation(case)["requestBody"]["content"][content_type]["schema"])


def collect_date_inputs() -> list[DateInput]:
    found = []
    for case in CASES:
        op = operation(case)
        if op is None:
            continue
        for param in op.get("parameters", []):
            if param.get("schema", {}).get("format") in FORMATS and param["in"] in ("query", "path"):
                found.append(DateInput(case, param["in"], param["name"], param["schema"]["format"]))
        for content_type in (op.get("requestBody") or {}).get("content", {}):
            if content_type not in BODY_TYPES:
                continue
            for name, prop in _body_schema(case, content_type).get("properties", {}).items():
                if prop.get("format") in FORMATS and not prop.get("readOnly"):
                    found.append(DateInput(case, content_type, name, prop["format"]))
    return sorted(found, key=lambda item: item.id)


DATE_INPUTS = collect_date_inputs()


def test_the_walk_found_every_kind_of_date_input():
    ids = {item.id for item in DATE_INPUTS}
    assert "GET /api/v1/payments/summary query date_from" in ids
    assert "POST /api/v1/memberships application/json starts_on" in ids
    assert "POST /api/v1/attendance application/json check_in_at" in ids
    assert "GET /api/v1/audit query date_to" in ids
    assert any(item.where == "path" and item.name == "day" for item in DATE_INPUTS)
    assert any(item.name == "birth_date" and item.where == "multipart/form-data" for item in DATE_INPUTS)


# --- building the request -----------------------------------------------------------------


def _valid_value(name: str, prop: dict, ctx: matrix.Context):
    """A valid value for a body property the tested one does not depend on: a row of the
    requester's gym for a reference (the matrix's provider for that basename), else a
    plain value of the property's type."""
    prop = _resolve(prop)
    provider = matrix.find_provider(None, name, "pk")
    if prop.get("type") == "integer" and provider is not None:
        return provider(ctx)
    today = timezone.now().astimezone(ctx.gym.tz)
    if prop.get("format") == "date":
        return today.date().isoformat()
    if prop.get("format") == "date-time":
        return today.isoformat()
    if "enum" in prop:
        return prop["enum"][0]
    return {"boolean": True, "integer": 1, "number": 1}.get(prop.get("type"), "Valid")


def _request(item: DateInput, value: str, admin, gym):
    """(url, query, body, format) for `value` in the tested input, the rest valid."""
    ctx = matrix.Context(user=admin, gym=gym)
    for kwarg in item.case.kwargs:
        if item.where == "path" and kwarg == item.name:
            ctx.kwargs[kwarg] = value
            continue
        provider = matrix.find_provider(item.case.route_name, item.case.basename, kwarg)
        assert provider is not None, f"{item.case.id}: no matrix provider for {kwarg!r}"
        ctx.kwargs[kwarg] = provider(ctx)
    url = item.case.template % ctx.kwargs
    if item.where in ("query", "path"):
        return url, ({item.name: value} if item.where == "query" else None), None, None
    schema = _body_schema(item.case, item.where)
    properties = schema.get("properties", {})
    body = {
        name: _valid_value(name, properties[name], ctx)
        for name in schema.get("required", [])
        if name != item.name and name in properties
    }
    body[item.name] = value
    return url, None, body, BODY_TYPES[item.where]


def _send(item: DateInput, value: str, admin, gym):
    url, query, body, fmt = _request(item, value, admin, gym)
    before = _snapshot()
    client = client_for(admin)
    if item.case.method == "get":
        response = client.get(url, query)
    else:
        response = getattr(client, item.case.method)(url, body, format=fmt)
    return response, before


def _project_models():
    return [
        model
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT) and "tests" not in Path(config.path).parts
        for model in config.get_models()
    ]


def _snapshot() -> dict[str, list]:
    """Every row of every table of ours."""
    return {
        model._meta.label: sorted(map(repr, model._base_manager.order_by("pk").values_list()))
        for model in _project_models()
    }


# --- the tests ----------------------------------------------------------------------------


def _failures(item: DateInput, values: list[str], judge, staff, gym) -> str:
    """Each value sent on its own; what `judge(response, rows_before)` found wrong."""
    admin = staff[Role.ADMIN]
    failures = []
    for value in values:
        response, before = _send(item, value, admin, gym)
        problem = judge(response, before)
        if problem:
            failures.append(f"{value}: {problem}")
    return f"{item.id}:\n" + "\n".join(failures) if failures else ""


def _refused_on_the_field(item: DateInput):
    def judge(response, before):
        body = response.json() if response["Content-Type"].startswith("application/json") else {}
        if response.status_code != 400 or item.name not in body.get("errors", {}):
            return f"{response.status_code} {response.content[:300]!r}"
        if _snapshot() != before:
            return "answered 400 but changed rows"
        return None

    return judge


def _not_a_5xx_nor_the_window(item: DateInput):
    window = dates.date_window_message() if item.format == "date" else dates.datetime_window_message()

    def judge(response, before):
        if response.status_code >= 500:
            return f"{response.status_code} {response.content[:300]!r}"
        # A rule of the endpoint may refuse it (a birth date in the future, a check-in time
        # ahead of now, a start beyond the backdating limits), but never the window.
        if response.status_code == 400 and window in response.json().get("errors", {}).get(item.name, []):
            return "refused as outside the window"
        return None

    return judge


@pytest.mark.parametrize("item", DATE_INPUTS, ids=lambda item: item.id)
def test_a_date_outside_the_window_is_a_400_on_the_field_and_changes_nothing(item, staff, gym):
    assert not _failures(item, OUTSIDE[item.format], _refused_on_the_field(item), staff, gym)


@pytest.mark.parametrize("item", DATE_INPUTS, ids=lambda item: item.id)
def test_the_edges_of_the_window_never_answer_a_5xx(item, staff, gym):
    assert not _failures(item, INSIDE[item.format], _not_a_5xx_nor_the_window(item), staff, gym)
