"""A request line or a header line longer than Twisted reads (16 KiB) through the real
daphne (found by the HTTP probe of issue 8): Twisted closed the connection without a word,
so a client saw "connection aborted" instead of an answer. Now a 414 or 431 with the JSON
error body, whatever the route and method."""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.e2e

TWISTED_LINE = 16384
# One route of each kind: the site's health, a login (a body), a row's route.
PATHS = ["/api/health", "/api/v1/auth/login", "/api/v1/members/1"]


def assert_json_error(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["code"] == code


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("size", [TWISTED_LINE + 1, 1024 * 1024])
def test_a_header_over_the_limit_is_431(site, path, method, size):
    response = requests.request(
        method, site.url(path), headers={"Authorization": "Bearer " + "a" * size}, timeout=30
    )
    assert_json_error(response, 431, "header_too_long")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_url_over_the_limit_is_414(site, path, method):
    response = requests.request(method, site.url(path) + "?q=" + "a" * TWISTED_LINE, timeout=30)
    assert_json_error(response, 414, "uri_too_long")


def test_a_header_just_under_the_limit_is_read(site):
    response = requests.get(
        site.url("/api/v1/auth/me"), headers={"Authorization": "Bearer " + "a" * 8000}, timeout=30
    )
    assert_json_error(response, 401, "token_not_valid")
