"""Writes on visits outside the check-in: back-dated check-outs (the service's rule, after
gym scoping) and the owner's notes in the admin (audited)."""

import pytest

from attendance import services
from gymsite.accounts.audit import Actor
from gymsite.core.errors import NotAllowed

from .conftest import local, make_member, make_visit

pytestmark = pytest.mark.django_db


def test_receptionist_naming_a_time_on_another_gyms_visit_gets_404(receptionist_client, other_gym, frozen):
    row = make_visit(make_member(other_gym), local(other_gym, 2024, 5, 15, 10, 0))
    at = local(other_gym, 2024, 5, 15, 11, 0).isoformat()
    response = receptionist_client.post(f"/api/v1/attendance/{row.pk}/check-out", {"check_out_at": at}, format="json")
    assert response.status_code == 404


def test_the_service_refuses_a_back_dated_check_out_by_the_front_desk(receptionist, trainer, gym, frozen):
    row = make_visit(make_member(gym), local(gym, 2024, 5, 15, 10, 0))
    at = local(gym, 2024, 5, 15, 11, 0)
    with pytest.raises(NotAllowed):
        services.attendance_check_out(attendance=row, actor=Actor(user=receptionist), at=at)
    row.refresh_from_db()
    assert row.check_out_at is None
    closed = services.attendance_check_out(attendance=row, actor=Actor(user=trainer), at=at)
    assert closed.check_out_at == at


def test_notes_edited_in_the_admin_are_audited(admin_user, gym, frozen, client):
    from gymsite.accounts.models import AuditEvent

    row = make_visit(make_member(gym), local(gym, 2024, 5, 15, 10, 0))
    client.force_login(admin_user)
    response = client.post(f"/admin/attendance/attendance/{row.pk}/change/", {"notes": "came with a friend"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.notes == "came with a friend"
    event = AuditEvent.objects.get(action="attendance.changed")
    assert event.data["changes"]["notes"] == ["", "came with a friend"]
