"""Found by fuzzing: a granted visit (no denial reason) matches the published schema, and
text that is not valid Unicode is refused before any rule."""

import pytest

from attendance.models import Attendance, AttendanceResult, DenialReason
from gymsite.accounts.models import AuditEvent
from tests.openapi import assert_matches_schema

from .conftest import NOW, make_member, make_visit

pytestmark = pytest.mark.django_db


def test_granted_and_denied_visits_match_the_schema(admin_client, gym, frozen):
    member = make_member(gym)
    granted = make_visit(member, NOW)
    make_visit(member, NOW, result=AttendanceResult.DENIED, reason=DenialReason.values[0])
    for url in (
        "/api/v1/attendance/",
        f"/api/v1/attendance/{granted.pk}/",
        f"/api/v1/attendance/member/{member.pk}/",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, (url, response.content)
        assert_matches_schema(response)
    assert admin_client.get(f"/api/v1/attendance/{granted.pk}/").json()["reason"] == ""


def test_notes_that_are_not_text_change_nothing(trainer_client, gym, frozen):
    visit = make_visit(make_member(gym), NOW, notes="kept")
    response = trainer_client.patch(
        f"/api/v1/attendance/{visit.pk}/", '{"notes": "\\ud83d"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    visit.refresh_from_db()
    assert visit.notes == "kept"
    assert not AuditEvent.objects.exists()


def test_a_visit_for_member_infinity_records_nothing(trainer_client, gym, frozen):
    response = trainer_client.post(
        "/api/v1/attendance/", '{"member": 1e309, "check_in_at": "2024-05-15T10:00:00Z"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not Attendance.objects.exists()
