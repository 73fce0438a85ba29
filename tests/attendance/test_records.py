"""Staff entries, check-outs, corrections and deletions."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from attendance import services
from attendance.models import Attendance
from gymsite.accounts.audit import Actor
from gymsite.accounts.models import AuditEvent
from gymsite.core.errors import Invalid
from members.models import Member
from tests.scoping import assert_other_gym_404

from .conftest import NOW, local, local_today, make_member, make_visit

pytestmark = pytest.mark.django_db

LIST = "/api/v1/attendance/"


def detail(row) -> str:
    return f"/api/v1/attendance/{row.pk}"


def _date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


# --- the constraint itself ----------------------------------------------------------------


def test_database_refuses_two_visits_a_day_but_keeps_denials(gym, frozen):
    member = make_member(gym)
    make_visit(member, local(gym, 2024, 5, 15, 8, 0))
    make_visit(member, local(gym, 2024, 5, 15, 9, 0), result="denied", reason="already_checked_in")
    make_visit(member, local(gym, 2024, 5, 15, 9, 5), result="denied", reason="already_checked_in")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_visit(member, local(gym, 2024, 5, 15, 10, 0))


def test_database_refuses_a_reason_on_a_granted_visit(gym, frozen):
    member = make_member(gym)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_visit(member, local(gym, 2024, 5, 15, 8, 0), reason="membership_expired")


# --- staff entry (POST /attendance/) ------------------------------------------------------


def test_trainer_records_a_past_visit(trainer_client, trainer, gym, frozen):
    member = make_member(gym)
    at = local(gym, 2024, 5, 13, 7, 30)
    response = trainer_client.post(
        LIST,
        {"member": member.pk, "check_in_at": at.isoformat(), "check_out_at": (at + timedelta(hours=1)).isoformat(),
         "notes": "forgot to scan"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source"] == "staff_entry"
    assert body["local_date"] == "2024-05-13"
    assert body["check_in_display"] == "07:30 AM"
    assert body["check_out_display"] == "08:30 AM"
    assert body["recorded_by"] == trainer.pk
    assert body["notes"] == "forgot to scan"
    member.refresh_from_db()
    assert member.last_visit_at == at
    assert AuditEvent.objects.get(action="attendance.recorded").target_id == str(body["id"])


def test_staff_entry_does_not_move_last_visit_backwards(trainer_client, gym, frozen):
    member = make_member(gym)
    recent = local(gym, 2024, 5, 15, 9, 0)
    make_visit(member, recent)
    Member.objects.filter(pk=member.pk).update(last_visit_at=recent)
    response = trainer_client.post(
        LIST, {"member": member.pk, "check_in_at": local(gym, 2024, 5, 10, 9, 0).isoformat()}, format="json"
    )
    assert response.status_code == 201
    member.refresh_from_db()
    assert member.last_visit_at == recent


def test_staff_entry_same_day_duplicate_is_refused_and_records_nothing(trainer_client, gym, frozen):
    member = make_member(gym)
    make_visit(member, local(gym, 2024, 5, 13, 7, 0))
    response = trainer_client.post(
        LIST, {"member": member.pk, "check_in_at": local(gym, 2024, 5, 13, 19, 0).isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "already_checked_in"
    assert Attendance.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="attendance.").exists()


def test_staff_entry_checks_the_membership_on_the_visits_day(trainer_client, gym, frozen):
    today = local_today(gym)
    # Expired yesterday: a visit last week was within the period, one today is not.
    member = make_member(gym, expires_on=today - timedelta(days=1))
    ok = trainer_client.post(
        LIST, {"member": member.pk, "check_in_at": local(gym, 2024, 5, 10, 9, 0).isoformat()}, format="json"
    )
    refused = trainer_client.post(LIST, {"member": member.pk}, format="json")
    assert ok.status_code == 201, ok.content
    assert refused.status_code == 403
    assert refused.json()["code"] == "membership_expired"
    assert Attendance.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"check_in_at": "2024-05-16T12:00:00-06:00"}, "time_in_future"),
        ({"check_in_at": "2024-05-15T08:00:00-06:00", "check_out_at": "2024-05-15T07:00:00-06:00"},
         "check_out_before_check_in"),
        ({"check_in_at": "yesterday"}, "invalid"),
        ({"member": "abc"}, "invalid"),
    ],
)
def test_staff_entry_bad_input_is_400_and_changes_nothing(trainer_client, gym, frozen, payload, code):
    member = make_member(gym)
    response = trainer_client.post(LIST, {"member": member.pk, **payload}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not Attendance.objects.exists()


def test_staff_entry_for_another_gyms_member_is_400_on_the_field(trainer_client, other_gym, frozen):
    member = make_member(other_gym)
    response = trainer_client.post(LIST, {"member": member.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "does_not_exist" and "member" in response.json()["errors"]
    assert not Attendance.objects.exists()


def test_receptionist_may_not_record_edit_or_delete(receptionist_client, gym, frozen):
    member = make_member(gym)
    row = make_visit(member, local(gym, 2024, 5, 15, 8, 0))
    assert receptionist_client.post(LIST, {"member": member.pk}, format="json").status_code == 403
    assert receptionist_client.put(
        detail(row), {"check_in_at": local(gym, 2024, 5, 15, 9, 0).isoformat()}, format="json"
    ).status_code == 403
    assert receptionist_client.patch(detail(row), {"notes": "x"}, format="json").status_code == 403
    assert receptionist_client.delete(detail(row)).status_code == 403
    row.refresh_from_db()
    assert row.notes == ""
    assert receptionist_client.get(detail(row)).status_code == 200


def test_trainer_may_not_delete(trainer_client, gym, frozen):
    row = make_visit(make_member(gym), local(gym, 2024, 5, 15, 8, 0))
    assert trainer_client.delete(detail(row)).status_code == 403
    assert Attendance.objects.filter(pk=row.pk).exists()


def test_mechanic_sees_no_attendance(mechanic_client, gym, frozen):
    row = make_visit(make_member(gym), local(gym, 2024, 5, 15, 8, 0))
    assert mechanic_client.get(LIST).status_code == 403
    assert mechanic_client.get(detail(row)).status_code == 403


# --- check-out ----------------------------------------------------------------------------


def test_receptionist_checks_a_member_out_now(receptionist_client, gym, frozen):
    row = make_visit(make_member(gym), local(gym, 2024, 5, 15, 10, 0))
    response = receptionist_client.post(f"{detail(row)}/check-out")
    assert response.status_code == 200, response.content
    row.refresh_from_db()
    assert row.check_out_at == NOW
    assert response.json()["check_out_display"] == "12:00 PM"
    assert AuditEvent.objects.get(action="attendance.checked_out").target_id == str(row.pk)

    again = receptionist_client.post(f"{detail(row)}/check-out/")
    assert again.status_code == 400
    assert again.json()["code"] == "already_checked_out"


def test_only_trainer_or_admin_give_a_check_out_time(receptionist_client, trainer_client, gym, frozen):
    row = make_visit(make_member(gym), local(gym, 2024, 5, 15, 10, 0))
    at = local(gym, 2024, 5, 15, 11, 15).isoformat()
    refused = receptionist_client.post(f"{detail(row)}/check-out", {"check_out_at": at}, format="json")
    assert refused.status_code == 403
    row.refresh_from_db()
    assert row.check_out_at is None
    response = trainer_client.post(f"{detail(row)}/check-out", {"check_out_at": at}, format="json")
    assert response.status_code == 200
    assert response.json()["check_out_display"] == "11:15 AM"


def test_check_out_before_check_in_or_in_the_future_is_400(trainer_client, gym, frozen):
    row = make_visit(make_member(gym), local(gym, 2024, 5, 15, 10, 0))
    before = trainer_client.post(
        f"{detail(row)}/check-out", {"check_out_at": local(gym, 2024, 5, 15, 9, 59).isoformat()}, format="json"
    )
    assert before.status_code == 400
    assert before.json()["code"] == "check_out_before_check_in"
    future = trainer_client.post(
        f"{detail(row)}/check-out", {"check_out_at": local(gym, 2024, 5, 15, 18, 0).isoformat()}, format="json"
    )
    assert future.status_code == 400
    assert future.json()["code"] == "time_in_future"
    row.refresh_from_db()
    assert row.check_out_at is None


def test_a_refusal_cannot_be_checked_out(receptionist_client, gym, frozen):
    row = make_visit(
        make_member(gym), local(gym, 2024, 5, 15, 10, 0), result="denied", reason="membership_expired"
    )
    response = receptionist_client.post(f"{detail(row)}/check-out")
    assert response.status_code == 400
    assert response.json()["code"] == "not_checked_in"


def test_other_gym_rows_are_404_everywhere(trainer_client, receptionist_client, other_gym, frozen):
    row = make_visit(make_member(other_gym), local(other_gym, 2024, 5, 15, 10, 0))
    assert_other_gym_404(trainer_client, detail(row), methods=("get", "patch", "put"),
                         data={"check_in_at": NOW.isoformat()})
    assert_other_gym_404(receptionist_client, f"{detail(row)}/check-out", methods=("post",))
    row.refresh_from_db()
    assert row.check_out_at is None


def test_admin_delete_other_gym_row_and_404_for_trainer(admin_client, trainer_client, other_gym, frozen):
    row = make_visit(make_member(other_gym), local(other_gym, 2024, 5, 15, 10, 0))
    assert trainer_client.delete(detail(row)).status_code in (403, 404)
    assert admin_client.delete(detail(row)).status_code == 204
    assert not Attendance.objects.exists()


# --- corrections --------------------------------------------------------------------------


def test_moving_a_visit_keeps_local_date_and_last_visit_in_step(trainer_client, gym, frozen):
    member = make_member(gym)
    row = make_visit(member, local(gym, 2024, 5, 13, 23, 30))
    Member.objects.filter(pk=member.pk).update(last_visit_at=row.check_in_at)
    new_time = local(gym, 2024, 5, 14, 0, 30)
    response = trainer_client.patch(detail(row), {"check_in_at": new_time.isoformat()}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["local_date"] == "2024-05-14"
    row.refresh_from_db()
    assert row.local_date.isoformat() == "2024-05-14"
    member.refresh_from_db()
    assert member.last_visit_at == new_time
    event = AuditEvent.objects.get(action="attendance.changed")
    assert set(event.data["changes"]) == {"check_in_at", "local_date"}


def test_moving_a_visit_onto_a_day_with_one_is_refused(trainer_client, gym, frozen):
    member = make_member(gym)
    make_visit(member, local(gym, 2024, 5, 14, 8, 0))
    row = make_visit(member, local(gym, 2024, 5, 13, 8, 0))
    response = trainer_client.put(
        detail(row), {"check_in_at": local(gym, 2024, 5, 14, 18, 0).isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "already_checked_in"
    row.refresh_from_db()
    assert row.local_date.isoformat() == "2024-05-13"
    assert not AuditEvent.objects.filter(action="attendance.changed").exists()


@pytest.mark.parametrize(
    ("overrides", "moved_to", "code"),
    [
        # The period started on the 10th: the 8th was before it (and after none).
        ({"membership_since": "2024-05-10", "membership_starts_on": "2024-05-10"}, (2024, 5, 8), "no_membership"),
        # An earlier period ended on the 5th, the current one started on the 10th.
        ({"membership_since": "2024-04-06", "membership_starts_on": "2024-05-10"}, (2024, 5, 7), "membership_expired"),
        ({"paused_from": "2024-05-11", "paused_until": "2024-05-12"}, (2024, 5, 12), "membership_paused"),
        ({"is_active": False}, (2024, 5, 14), "member_inactive"),
    ],
)
def test_moving_a_visit_to_a_day_the_member_was_not_covered_is_refused(
    trainer_client, gym, frozen, overrides, moved_to, code
):
    # As a staff entry on that day would be: the check-in's membership rules, on the new day.
    member = make_member(gym, **{key: _date(value) for key, value in overrides.items()})
    row = make_visit(member, local(gym, 2024, 5, 13, 8, 0))
    response = trainer_client.patch(
        detail(row), {"check_in_at": local(gym, *moved_to, 8, 0).isoformat()}, format="json"
    )
    assert response.status_code == 403, response.content
    assert response.json()["code"] == code
    row.refresh_from_db()
    assert row.local_date.isoformat() == "2024-05-13"
    assert Attendance.objects.count() == 1  # a correction records no refusal
    assert not AuditEvent.objects.filter(action="attendance.changed").exists()


def test_a_visit_keeps_its_day_when_only_its_time_or_notes_change(trainer_client, gym, frozen):
    # The rules were checked when the visit was let in; correcting its time within the day
    # (or its notes) does not ask again, even once the member is no longer covered.
    member = make_member(gym, is_active=False, expires_on=local_today(gym) - timedelta(days=5))
    row = make_visit(member, local(gym, 2024, 5, 8, 8, 0))
    response = trainer_client.patch(
        detail(row), {"check_in_at": local(gym, 2024, 5, 8, 9, 0).isoformat(), "notes": "late"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["check_in_display"] == "09:00 AM"


def test_a_refused_check_in_may_be_moved_to_any_day(trainer_client, gym, frozen):
    member = make_member(gym, expires_on=local_today(gym) - timedelta(days=5))
    row = make_visit(member, local(gym, 2024, 5, 14, 8, 0), result="denied", reason="membership_expired")
    response = trainer_client.patch(
        detail(row), {"check_in_at": local(gym, 2024, 5, 13, 8, 0).isoformat()}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["local_date"] == "2024-05-13"


def test_the_update_service_refuses_fields_it_does_not_edit(gym, frozen):
    row = make_visit(make_member(gym), local(gym, 2024, 5, 15, 8, 0))
    with pytest.raises(Invalid) as exc:
        services.attendance_update(actor=Actor.system(), attendance=row, changes={"result": "denied", "notes": "x"})
    assert exc.value.code == "field_not_editable"
    assert set(exc.value.errors) == {"result"}
    row.refresh_from_db()
    assert (row.result, row.notes) == ("granted", "")


def test_update_validates_times(trainer_client, gym, frozen):
    row = make_visit(make_member(gym), local(gym, 2024, 5, 15, 8, 0))
    bad = trainer_client.patch(
        detail(row), {"check_out_at": local(gym, 2024, 5, 15, 7, 0).isoformat()}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "check_out_before_check_in"
    put_without_time = trainer_client.put(detail(row), {"notes": "x"}, format="json")
    assert put_without_time.status_code == 400
    assert "check_in_at" in put_without_time.json()["errors"]
    ok = trainer_client.patch(
        detail(row), {"check_out_at": local(gym, 2024, 5, 15, 9, 0).isoformat(), "notes": "late"}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["notes"] == "late"
    cleared = trainer_client.patch(detail(row), {"check_out_at": None}, format="json")
    assert cleared.status_code == 200
    assert cleared.json()["check_out_at"] is None


def test_admin_delete_recomputes_last_visit_and_audits(admin_client, gym, frozen):
    member = make_member(gym)
    older = make_visit(member, local(gym, 2024, 5, 13, 8, 0))
    newer = make_visit(member, local(gym, 2024, 5, 14, 8, 0))
    Member.objects.filter(pk=member.pk).update(last_visit_at=newer.check_in_at)
    assert admin_client.delete(detail(newer)).status_code == 204
    member.refresh_from_db()
    assert member.last_visit_at == older.check_in_at
    event = AuditEvent.objects.get(action="attendance.deleted")
    assert event.target_id == str(newer.pk)
    assert admin_client.delete(detail(older)).status_code == 204
    member.refresh_from_db()
    assert member.last_visit_at is None
