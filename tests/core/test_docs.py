"""The API's documentation pages load only from the site (Swagger UI and ReDoc from
drf-spectacular-sidecar, pinned), the favicon is served, the admin's "View site" leads to
the docs, and /api/v1/ answers with an index of the API.

The same, against the running server and in a browser with other hosts blocked:
tests/e2e/test_docs_offline.py and tests/e2e/test_browser.py."""

import pytest
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from tests.pages import offsite, scripts_and_styles

pytestmark = pytest.mark.django_db

DOCS_PAGES = ["/api/docs/", "/api/redoc/"]


@pytest.mark.parametrize("path", DOCS_PAGES)
def test_docs_pages_load_their_scripts_and_styles_from_the_site(path):
    response = Client().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert offsite(html, "http://testserver" + path) == []
    assets = [asset.url for asset in scripts_and_styles(html)]
    assert any(url.endswith(".js") for url in assets), assets
    for url in assets:
        assert url.startswith("/"), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url} is not a static file"
        else:
            assert Client().get(url).status_code == 200, url


def test_swagger_ui_and_redoc_are_the_sidecars_copies():
    swagger = Client().get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in swagger
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in swagger
    # Its set-up is a script of the site's, not inline; no validator badge (Swagger UI
    # would load it from validator.swagger.io).
    assert '<script src="/api/docs/?script="></script>' in swagger
    script = Client().get("/api/docs/?script=")
    assert script["Content-Type"] == "application/javascript"
    assert '"validatorUrl": null' in script.content.decode()
    redoc = Client().get("/api/redoc/").content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in redoc
    assert "fonts.googleapis.com" not in redoc and "fonts.gstatic.com" not in redoc


@pytest.mark.parametrize("path", DOCS_PAGES)
def test_docs_pages_tell_the_browser_to_load_only_from_the_site(path):
    policy = Client().get(path)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no inline script, no other host
    for name, sources in directives.items():
        assert "http" not in sources and "*" not in sources, name


def test_the_favicon_is_served():
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert Client().head("/favicon.ico").status_code == 200
    assert Client().post("/favicon.ico").status_code == 405


def test_view_site_in_the_admin_leads_to_the_docs(admin_user):
    assert str(admin.site.site_url) == "/api/docs/"
    client = Client()
    client.force_login(admin_user)
    page = client.get("/admin/").content.decode()
    assert 'href="/api/docs/"' in page
    assert Client().get("/api/docs/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1"])
def test_the_api_index_needs_no_credentials(path):
    response = Client().get(path, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "gymsite API"
    assert body["version"] == "1.0.0"
    assert body["links"] == {
        "docs": "http://testserver/api/docs/",
        "redoc": "http://testserver/api/redoc/",
        "schema": "http://testserver/api/schema/",
        "health": "http://testserver/api/health",
        "login": "http://testserver/api/v1/auth/login",
        "devices_protocol": "http://testserver/api/docs/devices/",
        "asyncapi": "http://testserver/api/asyncapi.yaml",
    }
    resources = body["resources"]
    assert {"members", "plans", "memberships", "payments", "attendance", "users", "gyms", "audit"} <= set(resources)
    assert resources["members"] == "http://testserver/api/v1/members"
    # Only paths that answer by themselves: /api/v1/auth has routes below it only.
    assert "auth" not in resources


def test_every_resource_of_the_index_answers(admin_client):
    resources = Client().get("/api/v1/").json()["resources"]
    for name, url in resources.items():
        response = admin_client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200, (name, response.status_code)


def test_the_api_index_is_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1"]["get"]
    assert operation["operationId"] == "api_index"
    # No credentials, as /api/health: no security requirement of its own.
    assert operation.get("security") == schema["paths"]["/api/health"]["get"].get("security")
    assert operation.get("security") in (None, [], [{}])
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ApiIndex"}
    properties = schema["components"]["schemas"]["ApiIndex"]["properties"]
    assert set(properties) == {"name", "version", "links", "resources"}
