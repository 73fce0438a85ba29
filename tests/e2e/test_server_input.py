"""Input the server must answer with the JSON error body, through the real daphne of the
running site (gymsite.core.server, as `make run` starts it): deep JSON on every JSON
endpoint, form PUTs on every PUT, unknown methods on every route (all from the route
registry, tests/server_cases.py), chunked bodies, too many query parameters and form
fields, malformed multipart and HTTP, unknown WebSocket paths, request ids, media."""

from __future__ import annotations

import asyncio
import io
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests
import websockets
from django.urls import Resolver404, resolve
from PIL import Image

from tests.server_cases import (
    DEEP_JSON,
    JSON_BODY_CASES,
    PUT_CASES,
    ROUTES,
    case_id,
    missing_methods,
)

from .conftest import login

pytestmark = pytest.mark.e2e

MB = 1024 * 1024


def assert_json_error(response: requests.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    assert response.headers.get("X-Request-ID"), response.headers
    body = response.json()
    assert body["detail"] and body["code"], body
    if code:
        assert body["code"] == code, body
    return body


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 9), (10, 200, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def rows(site, admin):
    """At least one row behind every id the registry's routes take: a member with a paid
    membership and a visit, a product and a sale, and a personal API token."""
    desk = login(site, "receptionist@gym.com", "receptionist123")
    plans = desk.get("plans/active").json()["results"]
    enrolled = desk.post(
        "members",
        json={"first_name": "Input", "last_name": "Checks", "plan": plans[0]["id"], "method": "cash"},
    )
    assert enrolled.status_code == 201, enrolled.text
    member_id = enrolled.json()["id"]
    visit = desk.post(f"members/{member_id}/check-in")
    assert visit.status_code == 201, visit.text
    product = admin.post(
        "products", json={"gym": desk.get("gyms").json()["results"][0]["id"], "name": "Input checks", "price": "10.00", "quantity": 5}
    )
    assert product.status_code == 201, product.text
    sale = desk.post("sales", json={"product": product.json()["id"], "quantity": 1})
    assert sale.status_code == 201, sale.text
    token = admin.post("users/me/tokens", json={"description": "server input"})
    assert token.status_code == 201, token.text
    backup = admin.post("backups/trigger", json={})  # a catalog row for /backups/{pk}
    assert backup.status_code in (202, 409), backup.text
    return {"member_id": member_id}


def real_url(api, case) -> str:
    """The case's URL with the id of a real row for each kwarg: the first of the list the
    URL's prefix answers (`/gyms/%(pk)s` → the first of `/gyms/`)."""
    values: dict[str, object] = {}
    for kwarg in case.kwargs:
        prefix = case.template.split(f"%({kwarg})s")[0] % values
        listing = api.session.get(api.site.url(prefix), timeout=30)
        assert listing.status_code == 200, (case.id, prefix, listing.text[:200])
        body = listing.json()
        items = body["results"] if isinstance(body, dict) else body
        assert items, f"{case.id}: no row at {prefix} to take an id from"
        values[kwarg] = items[0]["id"]
    return api.site.url(case.template % values)


def resolvable_url(case) -> str:
    """The case's URL with values its pattern accepts (no row needed: a method the route
    does not have is answered before any lookup)."""
    for sample in ("1", "2030-01-15", "a", "3f2b8c1e-0d4a-4b6e-9f1a-2c3d4e5f6a7b"):
        path = case.template % {kwarg: sample for kwarg in case.kwargs}
        try:
            if resolve(path).url_name == case.route_name:
                return path
        except Resolver404:
            continue
    raise AssertionError(f"no sample value resolves {case.template}")


# --- deep JSON and form PUTs on every endpoint -------------------------------------------------


@pytest.mark.parametrize("case", JSON_BODY_CASES, ids=case_id)
def test_deep_json_is_a_parse_error_on_every_json_endpoint(case, site, admin, rows):
    url = real_url(admin, case)
    response = admin.session.request(
        case.method.upper(), url, data=DEEP_JSON,
        headers={"Content-Type": "application/json"}, timeout=30,
    )
    if response.status_code == 404:
        # Off on this site (registration): an ordinary body is a 404 too.
        plain = admin.session.request(case.method.upper(), url, json={}, timeout=30)
        assert plain.status_code == 404, case.id
        return
    assert_json_error(response, 400, "parse_error")


@pytest.mark.parametrize("case", PUT_CASES, ids=case_id)
def test_a_form_put_is_415_on_every_put(case, site, admin, rows):
    url = real_url(admin, case)
    before = admin.session.get(url, timeout=30).json()
    response = admin.session.put(
        url, data={"name": "Form", "first_name": "Form"}, timeout=30
    )  # application/x-www-form-urlencoded
    assert_json_error(response, 415, "unsupported_media_type")
    assert admin.session.get(url, timeout=30).json() == before


def test_a_multipart_member_put_leaves_out_what_it_does_not_send(site, admin, rows):
    url = f"members/{rows['member_id']}"
    assert admin.get(url).json()["is_active"] is True
    response = admin.request("PUT", url, files={"first_name": (None, "Renamed")})
    assert response.status_code == 200, response.text
    member = admin.get(url).json()
    assert member["first_name"] == "Renamed"
    assert member["is_active"] is True
    assert member["last_name"] == "Checks"


# --- malformed multipart ----------------------------------------------------------------------

MALFORMED_MULTIPART = [
    ("multipart/form-data", b"garbage"),  # no boundary
    ("multipart/form-data; boundary=wrong", b"--other\r\nContent-Disposition: x\r\n\r\nA\r\n"),
    ("multipart/form-data; boundary=b", b"\x00\xff garbage \r\n--b"),
    ("multipart/form-data; boundary=b", b"garbage without a delimiter"),
    ("multipart/form-data; boundary=", b"garbage"),
]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_malformed_multipart_gets_the_json_error_body(site, admin, rows, method):
    upload_url = site.url("/api/v1/members/" + (f"{rows['member_id']}" if method != "POST" else ""))
    for content_type, body in MALFORMED_MULTIPART:
        # An upload endpoint reads it and refuses it (400); any other refuses multipart (415).
        response = admin.session.request(
            method, upload_url, data=body, headers={"Content-Type": content_type}, timeout=30
        )
        assert_json_error(response, 400)
        response = requests.post(
            site.url("/api/v1/auth/login"), data=body,
            headers={"Content-Type": content_type}, timeout=30,
        )
        assert_json_error(response, 415, "unsupported_media_type")
    assert admin.get(f"members/{rows['member_id']}").json()["is_active"] is True


def test_a_photo_upload_is_served_back_with_debug_off(site, admin, rows):
    url = f"members/{rows['member_id']}"
    response = admin.patch(url, json=None, files={"photo": ("face.png", png(), "image/png")})
    assert response.status_code == 200, response.text
    photo_url = response.json()["photo"]
    assert urlsplit(photo_url).path.startswith("/media/")
    photo = requests.get(photo_url, timeout=30)
    assert photo.status_code == 200
    assert photo.headers["Content-Type"] == "image/png"
    assert photo.content == png()
    assert requests.get(site.url("/media/members/"), timeout=30).status_code == 404  # no listing


# --- chunked bodies ---------------------------------------------------------------------------


def chunks(*parts: bytes):
    yield from parts  # a generator: requests sends Transfer-Encoding: chunked


def test_a_chunked_body_is_read(site):
    mechanic = login(site, "mechanic@gym.com", "mechanic123")
    response = mechanic.session.patch(
        site.url("/api/v1/users/me"),
        data=chunks(b'{"full_name": ', b'"Chunked Mechanic"}'),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in response.request.headers
    assert mechanic.get("auth/me").json()["full_name"] == "Chunked Mechanic"


@pytest.mark.parametrize("chunked", [True, False])
def test_a_body_over_10_mb_is_413_chunked_or_not(site, admin, chunked):
    block = b"x" * MB
    body = chunks(*[block] * 11) if chunked else block * 11
    response = admin.session.post(
        site.url("/api/v1/members/"), data=body,
        headers={"Content-Type": "application/json"}, timeout=60,
    )
    assert_json_error(response, 413, "too_large")
    # The connection is still good for the next request.
    assert admin.get("auth/me").status_code == 200


# --- too many parameters ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/members/", "/api/health", "/admin/login/", "/api/v1/auth/me"])
def test_more_than_1000_query_parameters_are_a_json_400(site, admin, path):
    query = "&".join(f"p{i}=1" for i in range(1500))
    response = admin.session.get(site.url(f"{path}?{query}"), timeout=30)
    assert_json_error(response, 400, "too_many_fields")


def test_too_many_form_fields_are_a_json_400(site, admin):
    fields = {f"f{i}": (None, "1") for i in range(1500)}
    response = admin.session.post(site.url("/api/v1/members/"), files=fields, timeout=30)
    assert_json_error(response, 400, "too_many_fields")
    form = "&".join(f"f{i}=1" for i in range(1500))
    response = requests.post(
        site.url("/api/v1/auth/login"), data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30,
    )
    assert_json_error(response, 415, "unsupported_media_type")  # JSON only


# --- methods a route does not have ------------------------------------------------------------


@pytest.mark.parametrize(("case", "served"), ROUTES, ids=[case.template for case, _ in ROUTES])
def test_a_method_the_route_does_not_have_is_405(case, served, site, admin):
    url = site.url(resolvable_url(case))
    for method in missing_methods(served):
        for session in (requests.Session(), admin.session):
            response = session.request(method, url, timeout=30)
            assert_json_error(response, 405, "method_not_allowed")


# --- WebSockets -------------------------------------------------------------------------------


def test_an_unknown_websocket_path_is_refused_without_a_traceback(site):
    log_before = len(site.web.log_path.read_text(errors="replace"))
    ws_url = site.base_url.replace("http://", "ws://") + "/ws/no-such-path/"

    async def attempt():
        try:
            async with websockets.connect(ws_url, origin=site.base_url, open_timeout=10):
                return None
        except websockets.exceptions.InvalidStatus as exc:
            return exc.response.status_code

    for _ in range(3):
        assert asyncio.run(attempt()) == 403
    time.sleep(1.5)  # daphne reaps finished applications (and logs their errors) each second
    log = site.web.log_path.read_text(errors="replace")[log_before:]
    assert "WSREJECT /ws/no-such-path/" in log
    assert "Traceback" not in log and "Exception inside application" not in log, log
    assert requests.get(site.url("/api/health"), timeout=30).status_code == 200


# --- ids, and what daphne answers itself ------------------------------------------------------


def test_every_answer_carries_a_request_id(site):
    given = requests.get(site.url("/api/health"), headers={"X-Request-ID": "desk-7"}, timeout=30)
    assert given.headers["X-Request-ID"] == "desk-7"
    made = requests.get(site.url("/api/health"), headers={"X-Request-ID": "no spaces"}, timeout=30)
    assert made.headers["X-Request-ID"] not in ("", "no spaces")
    css = requests.get(site.url("/static/admin/css/base.css"), timeout=30)
    assert css.status_code == 200 and css.headers["X-Request-ID"]


def raw_request(site, data: bytes) -> bytes:
    host, port = urlsplit(site.base_url).hostname, urlsplit(site.base_url).port
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize(
    "request_bytes",
    [
        # chunked framing that is not hexadecimal
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        # a header line without a colon
        b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon here\r\n\r\n",
        # a Content-Length that is not a number
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: x\r\n\r\n",
    ],
)
def test_a_request_twisted_cannot_parse_gets_the_json_error_body(site, request_bytes):
    answer = raw_request(site, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), answer[:300]
    assert b"Content-Type: application/json" in head
    assert body == b'{"detail": "Bad request.", "code": "bad_request"}'
