"""The Authorization scheme is case-insensitive (RFC 7235) through the real server."""

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_bearer_in_any_case_through_daphne(site, trainer):
    created = trainer.post("users/me/tokens", json={"description": "e2e scheme"})
    assert created.status_code == 201, created.text
    api_token = created.json()["token"]
    login = requests.post(
        site.url("/api/v1/auth/login"),
        json={"email": "trainer@gym.com", "password": "trainer123"},
        timeout=30,
    )
    assert login.status_code == 200, login.text
    jwt = login.json()["access_token"]
    for scheme in ("bearer", "BEARER", "Bearer"):
        for credentials in (jwt, api_token):
            me = requests.get(
                site.url("/api/v1/auth/me"), headers={"Authorization": f"{scheme} {credentials}"}, timeout=30
            )
            assert me.status_code == 200, (scheme, me.text)
            assert me.json()["email"] == "trainer@gym.com"
    refused = requests.get(site.url("/api/v1/auth/me"), headers={"Authorization": "basic abc"}, timeout=30)
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"
    assert trainer.delete(f"users/me/tokens/{created.json()['id']}").status_code == 200
