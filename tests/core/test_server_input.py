"""Input the server must answer with the JSON error body, never a 500 or a silent change,
driven from the route registry (tests/server_cases.py): deep JSON on every JSON endpoint,
form bodies on every write that takes no upload, unknown methods on every route; plus the
upload parser, query and form field limits, and the 500 body. The same classes go through
a real daphne in tests/e2e/test_server_input.py."""

from __future__ import annotations

import io
import json

import pytest
from django.test import RequestFactory
from PIL import Image
from rest_framework.test import APIClient

from gymsite.accounts.roles import Role
from gymsite.core.middleware import BodySizeLimitMiddleware
from gymsite.core.parsers import MAX_JSON_DEPTH, JSONParser
from members.models import Member
from tests.conftest import client_for
from tests.factories import MemberFactory
from tests.server_cases import (
    DEEP_JSON,
    JSON_BODY_CASES,
    MULTIPART,
    NO_UPLOAD_CASES,
    PUT_CASES,
    ROUTES,
    UPLOAD_UPDATE_CASES,
    case_id,
    missing_methods,
    required_fields,
)
from tests.test_permissions import build_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _every_endpoint_on(settings):
    settings.ALLOW_REGISTRATION = True  # registration answers 404 while it is off


def assert_error(response, status: int, code: str | None = None):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["detail"] and body["code"], body
    if code:
        assert body["code"] == code, body
    return body


def test_the_registry_found_the_classes():
    ids = {case.id for case in JSON_BODY_CASES}
    assert "POST /api/v1/auth/login" in ids
    assert any(case.id.startswith("PUT /api/v1/gyms/") for case in PUT_CASES)
    assert any(case.id.startswith("PUT /api/v1/members/") for case in UPLOAD_UPDATE_CASES)
    assert not any("/members/" in case.id and case.method == "put" for case in NO_UPLOAD_CASES)
    assert len(ROUTES) > 20


# --- deep JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", JSON_BODY_CASES, ids=case_id)
def test_deep_json_is_a_parse_error_on_every_json_endpoint(case, staff, gym):
    admin = staff[Role.ADMIN]
    response = getattr(client_for(admin), case.method)(
        build_url(case, admin, gym), DEEP_JSON, content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 900, 5000, 200_000])
def test_json_deeper_than_the_limit_is_refused_at_any_depth(anon_client, depth):
    for opening, closing in (("[", "]"), ('{"a":', "}")):
        body = opening * depth + "1" + closing * depth
        response = anon_client.post("/api/v1/auth/login", body, content_type="application/json")
        body = assert_error(response, 400, "parse_error")
        assert "nested" in body["detail"]


def test_json_at_the_depth_limit_is_read():
    body = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    data = JSONParser().parse(io.BytesIO(body.encode()), "application/json", {})
    assert isinstance(data, list)


def test_many_brackets_side_by_side_are_not_deep():
    body = "[" + ",".join(["[[1]]"] * 5000) + "]"
    assert len(JSONParser().parse(io.BytesIO(body.encode()), "application/json", {})) == 5000


# --- JSON only, except uploads ------------------------------------------------------------


@pytest.mark.parametrize("case", PUT_CASES, ids=case_id)
def test_a_form_put_is_415_on_every_put(case, staff, gym):
    admin = staff[Role.ADMIN]
    response = client_for(admin).put(
        build_url(case, admin, gym),
        "first_name=X&name=X",
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("case", NO_UPLOAD_CASES, ids=case_id)
def test_a_multipart_body_is_415_where_there_is_no_upload(case, staff, gym):
    admin = staff[Role.ADMIN]
    response = getattr(client_for(admin), case.method)(
        build_url(case, admin, gym), {"name": "X", "is_active": "false"}, format="multipart"
    )
    assert_error(response, 415, "unsupported_media_type")


def test_form_puts_deactivate_nothing(admin_client, gym):
    """The issue's case: `PUT /gyms/{id}` with only a name, sent as a form, turned
    is_active off (and so for members and plans)."""
    response = admin_client.put(
        f"/api/v1/gyms/{gym.pk}", "name=Renamed", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    gym.refresh_from_db()
    assert gym.is_active and gym.name == "Main Gym"


def test_a_multipart_member_put_keeps_what_it_leaves_out(receptionist_client, trainer_client, gym):
    member = MemberFactory(gym=gym, is_active=True, email="keep@example.com")
    response = trainer_client.put(
        f"/api/v1/members/{member.pk}", {"first_name": "Renamed"}, format="multipart"
    )
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert member.first_name == "Renamed"
    assert member.is_active is True
    assert member.email == "keep@example.com"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def _as_sent(value):
    return value.get("id") if isinstance(value, dict) else value


@pytest.mark.parametrize("case", UPLOAD_UPDATE_CASES, ids=case_id)
def test_an_upload_changes_what_the_same_json_changes(case, staff, gym):
    """Every upload update: its required fields, at their current values, sent as JSON and
    as multipart to two fresh rows, change the same fields (none): a field the multipart
    body leaves out stays as it is."""
    admin = staff[Role.ADMIN]
    client = client_for(admin)
    changed = {}
    for fmt in ("json", "multipart"):
        url = build_url(case, admin, gym)
        before = client.get(url).json()
        body = {name: _as_sent(before[name]) for name in required_fields(case, MULTIPART)}
        response = getattr(client, case.method)(url, body, format=fmt)
        assert response.status_code == 200, (fmt, response.content[:300])
        after = client.get(url).json()
        changed[fmt] = {k for k in after if after[k] != before.get(k)} - {"updated_at"}
    assert changed["multipart"] == changed["json"] == set()


def test_a_multipart_upload_still_takes_a_photo_and_an_empty_value_clears(trainer_client, gym):
    member = MemberFactory(gym=gym, birth_date="1990-01-01")
    url = f"/api/v1/members/{member.pk}"
    response = trainer_client.patch(
        url, {"photo": io.BytesIO(_png()), "birth_date": ""}, format="multipart"
    )
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert member.photo and member.birth_date is None
    response = trainer_client.patch(url, {"photo": ""}, format="multipart")
    assert response.status_code == 200
    member.refresh_from_db()
    assert not member.photo


def test_a_malformed_multipart_upload_is_a_json_400(admin_client, gym):
    member = MemberFactory(gym=gym, first_name="Kept")
    for method, url in [("POST", "/api/v1/members/"), ("PATCH", f"/api/v1/members/{member.pk}")]:
        for content_type, body in [
            ("multipart/form-data", b"--x\r\nbroken"),  # no boundary
            ("multipart/form-data; boundary=", b"garbage"),
            ("multipart/form-data; boundary=\xff\xfe", b"garbage"),
            ("multipart/form-data; boundary=b", b"garbage, no delimiter"),
            ("multipart/form-data; boundary=wrong", b"--right\r\n\r\nA\r\n--right--\r\n"),
            ("multipart/form-data; boundary=b", b"\x00\xff garbage \r\n--b"),  # no part
        ]:
            response = admin_client.generic(method, url, body, content_type)
            assert_error(response, 400)
    assert Member.objects.get() == member and member.first_name == "Kept"
    # An empty form, well formed, is an empty PATCH.
    response = admin_client.generic(
        "PATCH", f"/api/v1/members/{member.pk}", b"--b--\r\n", "multipart/form-data; boundary=b"
    )
    assert response.status_code == 200, response.content


def test_too_many_fields_in_an_upload_are_a_json_400(receptionist_client):
    fields = {f"field{i}": "x" for i in range(1001)}
    response = receptionist_client.post("/api/v1/members/", fields, format="multipart")
    assert_error(response, 400, "too_many_fields")


def test_an_upload_field_sent_twice_is_invalid_not_a_500(receptionist_client):
    response = receptionist_client.generic(
        "POST",
        "/api/v1/members/",
        "--b\r\nContent-Disposition: form-data; name=\"first_name\"\r\n\r\nA\r\n"
        "--b\r\nContent-Disposition: form-data; name=\"first_name\"\r\n\r\nB\r\n--b--\r\n",
        "multipart/form-data; boundary=b",
    )
    assert_error(response, 400, "invalid")


def test_an_empty_form_body_is_no_html_form(rf_middleware):
    """DRF reads an empty body sent as a form as an empty HTML form, where an omitted
    boolean means False, and skips the 415: an empty body loses its content type."""
    request = rf_middleware("put", "", "application/x-www-form-urlencoded")
    assert "CONTENT_TYPE" not in request.META
    request = rf_middleware("put", "a=1", "application/x-www-form-urlencoded")
    assert request.META["CONTENT_TYPE"] == "application/x-www-form-urlencoded"


@pytest.fixture
def rf_middleware():
    def run(method, body, content_type):
        seen = {}

        def view(request):
            seen["request"] = request
            return None

        request = getattr(RequestFactory(), method)("/api/v1/gyms/1", body, content_type=content_type)
        BodySizeLimitMiddleware(view)(request)
        return seen["request"]

    return run


# --- query and form field limits -----------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/members/", "/api/v1/auth/me", "/api/health", "/admin/login/", "/api/v1/nothing"]
)
def test_more_than_1000_query_parameters_are_a_json_400(admin_client, path):
    query = "&".join(f"p{i}=1" for i in range(1001))
    assert_error(admin_client.get(f"{path}?{query}"), 400, "too_many_fields")
    assert admin_client.get(f"{path}?{'&'.join(f'p{i}=1' for i in range(999))}").status_code != 400


# --- methods a route does not have ----------------------------------------------------------


@pytest.mark.parametrize(("case", "served"), ROUTES, ids=[case.template for case, _ in ROUTES])
def test_a_method_the_route_does_not_have_is_405(case, served, staff, gym):
    admin = staff[Role.ADMIN]
    url = build_url(case, admin, gym)
    for method in missing_methods(served):
        for client in (APIClient(), client_for(admin), client_for(staff[Role.MECHANIC])):
            response = client.generic(method, url)
            assert_error(response, 405, "method_not_allowed")
            allowed = set(response["Allow"].split(", "))
            assert served <= allowed and method not in allowed


def test_405_is_translated(anon_client):
    response = anon_client.generic("TRACE", "/api/v1/members/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 405
    assert "TRACE" in response.json()["detail"] and "permitido" in response.json()["detail"]


def test_non_api_views_keep_their_methods(client):
    assert client.generic("TRACE", "/admin/login/").status_code == 405  # Django's own view
    assert client.get("/admin/login/").status_code == 200


# --- 500 ------------------------------------------------------------------------------------


def _boom(self, request, *args, **kwargs):
    raise RuntimeError("secret internals")


def test_a_500_carries_the_request_id_and_no_traceback(monkeypatch, trainer):
    from gymsite.accounts.views import MeView

    monkeypatch.setattr(MeView, "get", _boom)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(trainer)
    # The ASGI stack vets the header (tests/core/test_server_asgi.py); the test client has
    # no ASGI stack, so the view vets it again.
    for given, answered in [("report-42", "report-42"), ("two words", None)]:
        body = assert_error(client.get("/api/v1/auth/me", HTTP_X_REQUEST_ID=given), 500)
        assert body.get("request_id") == answered
        assert body["code"] == "server_error" and "secret" not in json.dumps(body)


def test_a_500_outside_the_api_is_json_too(monkeypatch):
    from django.contrib.admin import sites
    from django.test import Client

    monkeypatch.setattr(sites.AdminSite, "each_context", _boom)
    body = assert_error(Client(raise_request_exception=False).get("/admin/login/"), 500)
    assert body["code"] == "server_error" and "secret" not in json.dumps(body)


def test_a_bad_host_on_the_api_is_a_json_400(settings):
    from django.test import Client

    response = Client().get("/api/health", HTTP_HOST="evil.example")
    assert_error(response, 400, "bad_request")
