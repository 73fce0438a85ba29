"""The running site serves its documentation pages with everything they load (Swagger UI,
ReDoc, their styles, the favicon), and no page of it, the admin's included, names another
host in a src or href. The browser's view of the same: test_browser.py."""

import re

import pytest
import requests

from tests.pages import offsite, scripts_and_styles

pytestmark = pytest.mark.e2e

DOCS_PAGES = ["/api/docs/", "/api/redoc/"]
CONTENT_TYPES = {"script": "javascript", "stylesheet": "text/css", "icon": "image/"}


@pytest.mark.parametrize("path", DOCS_PAGES)
def test_docs_pages_and_everything_they_load_come_from_the_site(site, path):
    page = requests.get(site.url(path), timeout=30)
    assert page.status_code == 200, page.text[:500]
    assert page.headers["Content-Type"].startswith("text/html")
    assets = scripts_and_styles(page.text)
    assert {asset.kind for asset in assets} >= {"script", "icon"}, assets
    for asset in assets:
        assert asset.url.startswith("/"), f"{path} loads {asset.url} from elsewhere"
        response = requests.get(site.url(asset.url), timeout=30)
        assert response.status_code == 200, asset.url
        content_type = response.headers["Content-Type"]
        assert CONTENT_TYPES[asset.kind] in content_type, (asset.url, content_type)
    # The scripts are the real bundles, not an error page.
    bundle = "swagger-ui-bundle.js" if path == "/api/docs/" else "redoc.standalone.js"
    (script,) = [asset.url for asset in assets if asset.url.endswith(bundle)]
    assert len(requests.get(site.url(script), timeout=30).content) > 500_000


def test_the_favicon_is_served(site):
    response = requests.get(site.url("/favicon.ico"), timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"


class LoopbackSession(requests.Session):
    """Sends its Secure cookies to http://127.0.0.1 as browsers do (loopback is a secure
    context to them): outside the embedded run the site's session and CSRF cookies are
    Secure, and requests would keep them to itself. Redirects are not followed (requests
    would drop the cookies on the way)."""

    def request(self, method, url, **kwargs):
        cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)
        kwargs["headers"] = {**kwargs.get("headers", {}), **({"Cookie": cookies} if cookies else {})}
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, **kwargs)


def admin_session(site, identifier: str, password: str) -> requests.Session:
    """A session signed in to the admin through its login form."""
    session = LoopbackSession()
    form = session.get(site.url("/admin/login/?next=/admin/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    signed_in = session.post(
        site.url("/admin/login/?next=/admin/"),
        data={"csrfmiddlewaretoken": token, "username": identifier, "password": password},
        headers={"Referer": site.url("/admin/login/")},
    )
    assert signed_in.status_code == 302, signed_in.text[:2000]
    assert signed_in.headers["Location"] == "/admin/"
    return session


def test_no_page_names_another_host(site):
    """The admin's login and index (signed in with the README's first login, an email) and
    both docs pages: no src or href to another host."""
    anonymous = LoopbackSession()
    signed_in = admin_session(site, "admin@gym.com", "admin123")
    pages = {
        "/admin/login/": anonymous,
        "/admin/": signed_in,
        "/api/docs/": anonymous,
        "/api/redoc/": anonymous,
        "/api/docs/devices/": anonymous,
        "/api/docs/devices/?lang=es": anonymous,
    }
    for path, session in pages.items():
        response = session.get(site.url(path))
        assert response.status_code == 200, (path, response.status_code)
        assert offsite(response.text, response.url) == [], path
    index = signed_in.get(site.url("/admin/")).text
    assert "Site administration" in index
    assert 'href="/api/docs/"' in index  # "View site"


def test_the_api_index(site):
    response = requests.get(site.url("/api/v1/"), timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "gymsite API" and body["version"]
    links = body["links"]
    assert links["docs"] == site.url("/api/docs/")
    for name in ("docs", "redoc", "schema", "health"):
        assert requests.get(links[name], timeout=30).status_code == 200, name
    assert body["resources"]["members"] == site.url("/api/v1/members")
    unauthenticated = requests.get(body["resources"]["members"], timeout=30)
    assert unauthenticated.status_code == 401
