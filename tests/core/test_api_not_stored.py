"""API answers are never stored by a browser or a shared cache (found by the HTTP probe of
issue 8): they hold members' personal data and, from /auth/, tokens, which RFC 6749 5.1
says a server answers with `Cache-Control: no-store`. Every route of the registry
(tests/test_permissions.py), whoever asks and whatever the answer."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from gymsite.accounts.roles import Role
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD
from tests.test_permissions import CASES, build_url

pytestmark = pytest.mark.django_db


def assert_not_stored(response, label) -> None:
    assert "no-store" in response.get("Cache-Control", ""), (
        label,
        response.status_code,
        response.headers,
    )


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_every_api_answer_says_no_store(case, staff, gym):
    admin = staff[Role.ADMIN]
    url = build_url(case, admin, gym)
    for client in (APIClient(), client_for(admin), client_for(staff[Role.MECHANIC])):
        response = getattr(client, case.method)(
            url, {} if case.method != "get" else None, format="json"
        )
        assert_not_stored(response, case.id)


def test_the_login_answer_with_tokens_says_no_store(receptionist):
    response = APIClient().post(
        "/api/v1/auth/login",
        {"email": receptionist.email, "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert_not_stored(response, "login")


def test_unknown_api_paths_say_no_store():
    assert_not_stored(APIClient().get("/api/v1/no-such-thing"), "404")
