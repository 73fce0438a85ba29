"""The site as a browser and an API client first meet it: API schema and docs, the admin
login page and its static files, personal API tokens."""

import pytest
import requests

from .conftest import Api

pytestmark = pytest.mark.e2e


def test_schema_docs_admin_and_static_files(site):
    schema = requests.get(site.url("/api/schema/"), timeout=30)
    assert schema.status_code == 200, schema.text[:500]
    assert schema.headers["Content-Type"].startswith("application/vnd.oai.openapi")
    assert schema.text.startswith("openapi: 3.")
    as_json = requests.get(site.url("/api/schema/?format=json"), timeout=30)
    assert as_json.status_code == 200
    paths = as_json.json()["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/members/{member_id}/check-in",
        "/api/v1/payments/summary",
    ):
        assert path in paths, sorted(paths)[:20]

    docs = requests.get(site.url("/api/docs/"), timeout=30)
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text

    admin_login = requests.get(site.url("/admin/login/"), timeout=30)
    assert admin_login.status_code == 200
    assert 'name="password"' in admin_login.text
    # daphne serves the admin's static files itself (DEBUG off): the page's CSS loads.
    assert "/static/admin/css/base.css" in admin_login.text
    css = requests.get(site.url("/static/admin/css/base.css"), timeout=30)
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert "body" in css.text

    missing = requests.get(site.url("/static/admin/css/no-such-file.css"), timeout=30)
    assert missing.status_code == 404


def test_personal_api_token_works_until_revoked(site, trainer):
    created = trainer.post("users/me/tokens", json={"description": "e2e script"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["token"].startswith("gymsite_")
    assert body["is_active"] is True

    script = Api(site, token=body["token"])
    me = script.get("auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "trainer@gym.com"
    assert script.get("plans/active").status_code == 200

    listed = trainer.get("users/me/tokens").json()
    assert [t["id"] for t in listed if t["is_active"]] == [body["id"]]

    revoked = trainer.delete(f"users/me/tokens/{body['id']}")
    assert revoked.status_code == 200, revoked.text

    refused = script.get("auth/me")
    assert refused.status_code == 401
    assert refused.json()["code"]
    # The JWT session that made the token is untouched.
    assert trainer.get("auth/me").status_code == 200
