"""Query-string ids and booleans are strict in every app: `?plan=1.5` or `?is_active=maybe`
is a 400 with the shared error body, never silently "no filter" (or a 500)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/members/?plan=1.5", "plan"),
        ("/api/v1/members/?gym=abc", "gym"),
        ("/api/v1/members/?is_active=maybe", "is_active"),
        ("/api/v1/plans/?is_active=maybe", "is_active"),
        ("/api/v1/plans/?gym=1.5", "gym"),
        ("/api/v1/memberships/?member=1.5", "member"),
        ("/api/v1/memberships/?plan=0", "plan"),
        ("/api/v1/memberships/?active=perhaps", "active"),
        ("/api/v1/payments/?membership=1e3", "membership"),
        ("/api/v1/payments/?member=-1", "member"),
        ("/api/v1/payments/?is_void=2", "is_void"),
        ("/api/v1/attendance/?member=1.5", "member"),
        ("/api/v1/attendance/?gym=99999999999999999999", "gym"),
    ],
)
def test_bad_id_or_boolean_params_are_400(admin_client, gym, url, param):
    response = admin_client.get(url)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"]
    assert param in body["errors"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/members/?is_active=yes",
        "/api/v1/plans/?is_active=0",
        "/api/v1/payments/?is_void=false",
        "/api/v1/memberships/?active=true",
    ],
)
def test_good_boolean_words_are_accepted(admin_client, gym, url):
    assert admin_client.get(url).status_code == 200
