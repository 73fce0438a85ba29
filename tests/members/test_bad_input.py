"""Found by fuzzing (schemathesis in negative mode, hand-made nasty bodies): each case is
a 4xx with detail and code that changes nothing, and answers match the published schema."""

import pytest

from gymsite.accounts.models import AuditEvent
from members.models import Member
from tests.factories import MemberFactory
from tests.openapi import assert_matches_schema

from .conftest import LIST_URL, member_url

pytestmark = pytest.mark.django_db

EXPORT_URL = f"{LIST_URL}export.csv"


def test_a_member_with_blank_optional_fields_matches_the_schema(admin_client, gym):
    # "" is what the row stores for "none": the schema must allow it for the enum
    # (gender), the email and the URL, not only the documented formats.
    member = MemberFactory(gym=gym, email="", gender="", photo_url="", document_id="")
    for response in (
        admin_client.get(member_url(member)),
        admin_client.get(LIST_URL),
        admin_client.patch(member_url(member), {"notes": "x"}, format="json"),
    ):
        assert response.status_code == 200, response.content
        assert_matches_schema(response)
    body = admin_client.get(member_url(member)).json()
    assert (body["email"], body["gender"], body["photo_url"]) == ("", "", "")


@pytest.mark.parametrize(
    "raw",
    [
        '{"first_name": "\\udcff"}',  # a lone surrogate: not text, cannot be stored or echoed
        '{"first_name": "A", "gender": "\\ud800"}',
        '{"first_name": "A", "gym": 1e309}',  # parses as infinity
        '{"first_name": "A", "birth_date": "2000-01-01", "notes": -1e400}',
    ],
)
def test_unrepresentable_json_is_a_parse_error_and_creates_nothing(admin_client, gym, raw):
    response = admin_client.post(LIST_URL, raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"]
    assert not Member.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_patch_with_a_lone_surrogate_changes_nothing(admin_client, gym):
    member = MemberFactory(gym=gym, first_name="Same")
    response = admin_client.patch(
        member_url(member), '{"first_name": "x\\udfff"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    member.refresh_from_db()
    assert member.first_name == "Same"
    assert not AuditEvent.objects.filter(action="member.changed").exists()


def test_paired_surrogate_escapes_are_ordinary_text(admin_client, gym):
    response = admin_client.post(
        LIST_URL, '{"first_name": "Ana \\ud83d\\udcaa"}', content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert Member.objects.get().first_name == "Ana \U0001f4aa"


@pytest.mark.parametrize(
    ("client_name", "query", "status", "code"),
    [
        ("receptionist_client", "?format=csv", 403, "permission_denied"),
        ("admin_client", "?format=csv&gym=abc", 400, "invalid_gym"),
    ],
)
def test_export_errors_are_json_even_when_csv_was_asked_for(request, gym, client_name, query, status, code):
    # ?format=csv negotiates the CSV renderer; an error must still say application/json,
    # as the schema documents every error.
    MemberFactory(gym=gym)
    response = request.getfixturevalue(client_name).get(f"{EXPORT_URL}{query}")
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["code"] == code
    assert_matches_schema(response)
    assert not AuditEvent.objects.filter(action="member.exported").exists()


def test_export_still_answers_csv_with_format_csv(admin_client, gym):
    MemberFactory(gym=gym)
    response = admin_client.get(f"{EXPORT_URL}?format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")


def test_export_errors_are_json_under_accept_text_csv(receptionist_client, gym):
    response = receptionist_client.get(EXPORT_URL, HTTP_ACCEPT="text/csv")
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["code"] == "permission_denied"
    assert not AuditEvent.objects.filter(action="member.exported").exists()
