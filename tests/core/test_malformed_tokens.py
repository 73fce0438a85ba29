"""JWTs signed with the site's key whose claims have the wrong shape (found by the HTTP
probe of issue 8): simplejwt trusts a token whose signature checks, so a user id of
letters, a refresh token without a jti or an expiry past the year 9999 reached the
database or datetime and ended in a 500. Each is a 401 (or the refresh endpoints' own
401 `token_not_valid`) wherever a token is read: every authenticated route of the
registry (tests/test_permissions.py), /auth/refresh and /auth/logout."""

from __future__ import annotations

import time

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from gymsite.accounts.authentication import malformed_claim
from gymsite.accounts.services import token_pair_for
from gymsite.core.ids import MAX_ID
from tests.test_permissions import CASES, is_public

pytestmark = pytest.mark.django_db

NOW = int(time.time())
# (label, claims to change (None: remove the claim))
MALFORMED = [
    ("user_id letters", {"user_id": "1; DROP TABLE x"}),
    ("user_id list", {"user_id": [1]}),
    ("user_id object", {"user_id": {"id": 1}}),
    ("user_id float", {"user_id": 1e308}),
    ("user_id bool", {"user_id": True}),
    ("user_id zero", {"user_id": "0"}),
    ("user_id over MAX_ID", {"user_id": str(MAX_ID + 1)}),
    ("user_id 40 digits", {"user_id": "9" * 40}),
    ("user_id other digits", {"user_id": "١"}),
    ("user_id missing", {"user_id": None}),
    ("exp past year 9999", {"exp": 2**70}),
    ("exp text", {"exp": "tomorrow"}),
    ("exp negative", {"exp": -1}),
    ("exp missing", {"exp": None}),
    ("iat past year 9999", {"iat": 2**70}),
    ("nbf past year 9999", {"nbf": 2**70}),
    ("jti missing", {"jti": None}),
    ("jti list", {"jti": ["a"]}),
    ("jti over 255", {"jti": "j" * 256}),
    ("token_type list", {"token_type": ["access"]}),
    ("token_type missing", {"token_type": None}),
    ("sgen text", {"sgen": "0"}),
]
IDS = [label for label, _ in MALFORMED]


def forge(token: str, changes: dict) -> str:
    """`token` with its claims changed, signed again with the site's key."""
    claims = jwt.decode(token, options={"verify_signature": False})
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return jwt.encode(claims, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")


def assert_401(response) -> None:
    assert response.status_code == 401, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"detail", "code"}, body


@pytest.fixture
def pair(receptionist) -> dict[str, str]:
    return token_pair_for(receptionist)


def test_the_claims_a_login_issues_are_well_formed(pair):
    for token in pair.values():
        assert malformed_claim(jwt.decode(token, options={"verify_signature": False})) is None


@pytest.mark.parametrize("changes", [c for _, c in MALFORMED], ids=IDS)
def test_a_malformed_access_token_is_401(changes, pair):
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {forge(pair['access_token'], changes)}")
    assert_401(client.get("/api/v1/auth/me"))


@pytest.mark.parametrize("changes", [c for _, c in MALFORMED], ids=IDS)
@pytest.mark.parametrize("path", ["/api/v1/auth/refresh", "/api/v1/auth/logout"])
def test_a_malformed_refresh_token_is_refused(path, changes, pair):
    token = forge(pair["refresh_token"], changes)
    client = APIClient()
    if path.endswith("logout"):
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}")
    response = client.post(path, {"refresh_token": token}, format="json")
    assert_401(response)
    assert response.json()["code"] == "token_not_valid"


AUTHENTICATED = [case for case in CASES if not is_public(case)]
# A value each URL kwarg's pattern takes (no row needs to exist: authentication fails first).
KWARG_VALUES = {"day": "2030-01-15"}
# Keys that are not integers (the backups' UUIDs): the first value the route's pattern takes.
OTHER_KEYS = ("3f2b8c1e-0d4a-4b6e-9f1a-2c3d4e5f6a7b",)


def url_for(case) -> str:
    from django.urls import resolve

    for value in (1, *OTHER_KEYS):
        url = case.template % {kwarg: KWARG_VALUES.get(kwarg, value) for kwarg in case.kwargs}
        if resolve(url).url_name != "api-not-found":
            return url
    return url


@pytest.mark.parametrize("case", AUTHENTICATED, ids=[case.id for case in AUTHENTICATED])
def test_every_authenticated_route_answers_401_to_a_malformed_token(case, pair):
    token = forge(pair["access_token"], {"user_id": "x", "exp": 2**70})
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = url_for(case)
    assert_401(
        getattr(client, case.method)(url, {} if case.method != "get" else None, format="json")
    )
