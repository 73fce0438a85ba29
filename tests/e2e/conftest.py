"""End-to-end fixtures: one running site (fresh database, daphne, a Celery worker, an SMTP
sink) shared by every test of this package, and a small HTTP client for its API.

The site runs on PostgreSQL and Redis when the suite has them (DATABASE_URL / REDIS_URL,
as under CI), on SQLite and the filesystem broker otherwise. These tests never skip, but
for the browser tests without Chromium outside CI (tests/e2e/browser.py: the `browser`,
`page` and `browser_log` fixtures).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from django.conf import settings

from .browser import browser, browser_log, page, page_es, pytest_runtest_makereport  # noqa: F401
from .stack import Site, running_site

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test of this package is marked e2e (before `-m` selects): `make test-fast`
    leaves them out, `make test` runs them."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Overrides the suite's cache flush: with Redis it empties the whole database the
    running site's broker and cache share. These tests do not use the in-process cache."""
    yield


@pytest.fixture(scope="package")
def site(tmp_path_factory) -> Site:
    database_url = settings.DATABASE_URL if settings.IS_POSTGRES else ""
    with running_site(
        tmp_path_factory.mktemp("e2e"), database_url=database_url, redis_url=settings.REDIS_URL
    ) as running:
        yield running


class Api:
    """requests, pointed at the site's /api/v1/, with a bearer token when logged in."""

    def __init__(self, site: Site, token: str | None = None, language: str | None = None):
        self.site = site
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        if language:
            self.session.headers["Accept-Language"] = language

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.site.url("/api/v1/" + path.lstrip("/")), **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


def login(site: Site, email: str, password: str, language: str | None = None) -> Api:
    response = requests.post(
        site.url("/api/v1/auth/login"), json={"email": email, "password": password}, timeout=30
    )
    assert response.status_code == 200, response.text
    return Api(site, token=response.json()["access_token"], language=language)


@pytest.fixture(scope="package")
def admin(site) -> Api:
    return login(site, "admin@gym.com", "admin123")


@pytest.fixture(scope="package")
def receptionist(site) -> Api:
    return login(site, "receptionist@gym.com", "receptionist123")


@pytest.fixture(scope="package")
def trainer(site) -> Api:
    return login(site, "trainer@gym.com", "trainer123")
