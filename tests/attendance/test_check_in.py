from datetime import UTC as UTC_
from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from rest_framework.test import APIClient

from attendance import services
from attendance.models import Attendance, AttendanceResult, AttendanceSource, DenialReason
from attendance.views import MemberCheckInView
from gymsite.accounts.audit import Actor
from gymsite.accounts.models import AuditEvent
from gymsite.accounts.services import token_pair_for
from members.models import Member
from tests.conftest import client_for
from tests.factories import MemberFactory, UserFactory

from .conftest import check_in_url, local, local_today, make_member, make_visit

pytestmark = pytest.mark.django_db


def _denied_rows(member):
    return list(
        Attendance.objects.filter(member=member, result=AttendanceResult.DENIED).values_list(
            "reason", flat=True
        )
    )


def test_route_is_attendance_view_under_members_prefix():
    for path in ("/api/v1/members/12/check-in", "/api/v1/members/12/check-in/"):
        match = resolve(path)
        assert match.func.view_class is MemberCheckInView
        assert match.kwargs == {"member_id": "12"}


def test_check_in_granted_writes_visit_and_last_visit(receptionist_client, receptionist, gym, frozen):
    member = make_member(gym)
    # 01:45 UTC on the 16th is 19:45 on the 15th in Mexico City.
    frozen.move_to(local(gym, 2024, 5, 15, 19, 45))

    response = receptionist_client.post(check_in_url(member))

    assert response.status_code == 201, response.content
    body = response.json()
    attendance = Attendance.objects.get(member=member)
    assert attendance.result == AttendanceResult.GRANTED
    assert attendance.reason == ""
    assert attendance.source == AttendanceSource.FRONT_DESK
    assert attendance.recorded_by == receptionist
    assert attendance.local_date.isoformat() == "2024-05-15"
    assert attendance.check_in_at.isoformat() == "2024-05-16T01:45:00+00:00"
    assert body["attendance"]["id"] == attendance.pk
    assert body["attendance"]["result"] == "granted"
    assert body["attendance"]["local_date"] == "2024-05-15"
    assert body["attendance"]["check_in_display"] == "07:45 PM"
    assert body["attendance"]["member_name"] == member.full_name
    assert body["member"]["id"] == member.pk
    assert body["member"]["last_visit_display"] == "07:45 PM"
    assert body["member"]["last_visit_at"].startswith("2024-05-16T01:45:00")
    member.refresh_from_db()
    assert member.last_visit_at == attendance.check_in_at
    event = AuditEvent.objects.get(action="attendance.checked_in")
    assert event.target_id == str(attendance.pk)
    assert event.actor_user == receptionist
    assert event.gym_id == gym.pk


def test_membership_expiring_today_still_enters(receptionist_client, gym, frozen):
    member = make_member(gym, expires_on=local_today(gym))
    assert receptionist_client.post(check_in_url(member)).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"is_active": False}, 403, DenialReason.MEMBER_INACTIVE),
        ({"expires_on": None, "membership_since": None, "membership_starts_on": None}, 403, "no_membership"),
        # Only a future membership: still none today.
        ({"membership_since": "+5", "membership_starts_on": "+5", "expires_on": "+35"}, 403, "no_membership"),
        ({"paused_from": "-2", "paused_until": "+3"}, 403, "membership_paused"),
        ({"expires_on": "-1"}, 403, "membership_expired"),
        # Between an ended period and one that starts later: expired, not "no membership".
        ({"membership_starts_on": "+3", "expires_on": "+33"}, 403, "membership_expired"),
    ],
)
def test_each_membership_rule_refuses_and_records_the_denial(
    receptionist_client, receptionist, gym, frozen, overrides, status, code
):
    today = local_today(gym)
    resolved = {
        key: today + timedelta(days=int(value)) if isinstance(value, str) else value
        for key, value in overrides.items()
    }
    member = make_member(gym, **resolved)

    response = receptionist_client.post(check_in_url(member))

    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    denied = Attendance.objects.get(member=member)
    assert denied.result == AttendanceResult.DENIED
    assert denied.reason == code
    assert denied.recorded_by == receptionist
    assert body["attendance_id"] == denied.pk
    member.refresh_from_db()
    assert member.last_visit_at is None
    event = AuditEvent.objects.get(action="attendance.denied")
    assert event.data["reason"] == code
    assert not AuditEvent.objects.filter(action="attendance.checked_in").exists()


def test_second_check_in_same_day_is_400_and_recorded(receptionist_client, gym, frozen):
    member = make_member(gym)
    first = receptionist_client.post(check_in_url(member))
    assert first.status_code == 201
    frozen.shift(timedelta(hours=3))

    second = receptionist_client.post(check_in_url(member))

    assert second.status_code == 400
    assert second.json()["code"] == "already_checked_in"
    assert Attendance.objects.filter(member=member, result="granted").count() == 1
    assert _denied_rows(member) == ["already_checked_in"]
    member.refresh_from_db()
    # The refusal did not move the last visit.
    assert member.last_visit_at.isoformat() == first.json()["attendance"]["check_in_at"].replace("Z", "+00:00")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # inactive beats every membership rule
        ({"is_active": False, "expires_on": "-1"}, "member_inactive"),
        ({"is_active": False, "expires_on": None, "membership_since": None, "membership_starts_on": None},
         "member_inactive"),
        ({"is_active": False, "paused_from": "-1", "paused_until": "+1"}, "member_inactive"),
        # no membership beats paused
        ({"expires_on": None, "membership_since": None, "membership_starts_on": None,
          "paused_from": "-1", "paused_until": "+1"}, "no_membership"),
        # paused beats expired (a pause that runs past the end of the period)
        ({"expires_on": "-1", "paused_from": "-3", "paused_until": "+3"}, "membership_paused"),
    ],
)
def test_rules_apply_in_order(receptionist_client, gym, frozen, overrides, expected):
    today = local_today(gym)
    resolved = {
        key: today + timedelta(days=int(value)) if isinstance(value, str) else value
        for key, value in overrides.items()
    }
    member = make_member(gym, **resolved)
    response = receptionist_client.post(check_in_url(member))
    assert response.status_code == 403
    assert response.json()["code"] == expected


def test_expired_beats_already_checked_in(receptionist_client, gym, frozen):
    member = make_member(gym)
    assert receptionist_client.post(check_in_url(member)).status_code == 201
    Member.objects.filter(pk=member.pk).update(expires_on=local_today(gym) - timedelta(days=1))
    response = receptionist_client.post(check_in_url(member))
    assert response.status_code == 403
    assert response.json()["code"] == "membership_expired"


def test_half_past_eleven_and_half_past_midnight_are_two_days_same_utc_date(receptionist_client, gym):
    # Mexico City is UTC-6: 23:30 on the 14th and 00:30 on the 15th are both on the 15th in UTC.
    late = local(gym, 2024, 5, 14, 23, 30)
    early = local(gym, 2024, 5, 15, 0, 30)
    assert late.astimezone(UTC_).date() == early.astimezone(UTC_).date()
    member = make_member(gym, membership_starts_on=late.date() - timedelta(days=5),
                         expires_on=late.date() + timedelta(days=30))
    with time_machine.travel(late, tick=False):
        first = receptionist_client.post(check_in_url(member))
    with time_machine.travel(early, tick=False):
        second = receptionist_client.post(check_in_url(member))
    assert first.status_code == 201, first.content
    assert second.status_code == 201, second.content
    assert [a.local_date.isoformat() for a in Attendance.objects.order_by("check_in_at")] == [
        "2024-05-14",
        "2024-05-15",
    ]


def test_same_gym_day_on_two_utc_dates_is_one_day(receptionist_client, gym):
    # 17:00 and 19:00 on the 14th in Mexico City are on the 14th and the 15th in UTC.
    afternoon = local(gym, 2024, 5, 14, 17, 0)
    evening = local(gym, 2024, 5, 14, 19, 0)
    assert afternoon.astimezone(UTC_).date() != evening.astimezone(UTC_).date()
    member = make_member(gym, membership_starts_on=afternoon.date() - timedelta(days=5),
                         expires_on=afternoon.date() + timedelta(days=30))
    with time_machine.travel(afternoon, tick=False):
        assert receptionist_client.post(check_in_url(member)).status_code == 201
    with time_machine.travel(evening, tick=False):
        response = receptionist_client.post(check_in_url(member))
    assert response.status_code == 400
    assert response.json()["code"] == "already_checked_in"


def test_day_boundary_in_a_gym_east_of_utc(other_gym):
    # Madrid in May is UTC+2: 23:30 UTC on the 14th is 01:30 on the 15th there, and
    # 00:30 local on the 15th is still the 14th in UTC.
    member = make_member(
        other_gym,
        membership_since=date(2024, 5, 1),
        membership_starts_on=date(2024, 5, 1),
        expires_on=date(2024, 6, 1),
    )
    a = local(other_gym, 2024, 5, 14, 23, 30)  # 21:30 UTC on the 14th
    b = local(other_gym, 2024, 5, 15, 0, 30)  # 22:30 UTC on the 14th
    c = local(other_gym, 2024, 5, 15, 23, 0)  # 21:00 UTC on the 15th
    decisions = []
    for at in (a, b, c):
        with time_machine.travel(at, tick=False):
            decisions.append(
                services.attendance_check_in(actor=Actor.system(), source="front_desk", member_id=member.pk)
            )
    assert [d.granted for d in decisions] == [True, True, False]
    assert decisions[2].reason == "already_checked_in"
    assert [d.attendance.local_date.isoformat() for d in decisions] == ["2024-05-14", "2024-05-15", "2024-05-15"]


def test_other_gym_member_is_404_and_nothing_is_recorded(receptionist_client, other_gym, frozen):
    member = make_member(other_gym)
    response = receptionist_client.post(check_in_url(member))
    assert response.status_code == 404
    assert response.json()["code"] == "member_not_found"
    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="attendance.").exists()


def test_unknown_member_is_404(receptionist_client, frozen):
    response = receptionist_client.post(check_in_url(999999))
    assert response.status_code == 404


def test_admin_checks_in_members_of_any_gym(admin_client, admin_user, other_gym, frozen):
    member = make_member(other_gym)
    response = admin_client.post(check_in_url(member))
    assert response.status_code == 201
    assert Attendance.objects.get().gym == other_gym


@pytest.mark.parametrize("role_client", ["trainer_client", "admin_client", "receptionist_client"])
def test_front_desk_roles_may_check_in(request, role_client, gym, frozen):
    member = make_member(gym)
    assert request.getfixturevalue(role_client).post(check_in_url(member)).status_code == 201


def test_mechanic_and_anonymous_may_not_check_in(mechanic_client, anon_client, gym, frozen):
    member = make_member(gym)
    assert mechanic_client.post(check_in_url(member)).status_code == 403
    assert anon_client.post(check_in_url(member)).status_code == 401
    assert not Attendance.objects.exists()


def test_check_in_path_runs_at_most_six_queries_with_a_real_token(receptionist, gym, frozen):
    member = make_member(gym)
    other = make_member(gym, expires_on=local_today(gym) - timedelta(days=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(receptionist)['access_token']}")

    with CaptureQueriesContext(connection) as granted:
        assert client.post(check_in_url(member)).status_code == 201
    with CaptureQueriesContext(connection) as duplicate:
        assert client.post(check_in_url(member)).status_code == 400
    with CaptureQueriesContext(connection) as expired:
        assert client.post(check_in_url(other)).status_code == 403

    # authenticate, lock member, any visit today?, insert, update member, audit
    assert len(_statements(granted)) == 6, _statements(granted)
    assert len(_statements(duplicate)) <= 6, _statements(duplicate)
    assert len(_statements(expired)) <= 6, _statements(expired)
    assert _statements(granted)[1].startswith("SELECT")
    assert [s.split()[0] for s in _statements(granted)[3:]] == ["INSERT", "UPDATE", "INSERT"]


def _statements(context) -> list[str]:
    """The SQL a request runs. The SAVEPOINT pair is the test's own wrapping transaction
    (outside a test the service's atomic block is BEGIN/COMMIT, which the driver sends and
    Django does not log), so it is left out."""
    return [
        q["sql"]
        for q in context.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_lost_race_integrity_error_becomes_already_checked_in(gym, frozen):
    """When the constraint, not the lock, refuses the second visit (a writer that did not
    lock the member), the service records the refusal instead of failing."""
    member = make_member(gym)
    make_visit(member, local(gym, 2024, 5, 15, 8, 0))
    with mock.patch.object(services, "_has_visit_on", side_effect=[False, True]):
        decision = services.attendance_check_in(
            actor=Actor.system(), source="front_desk", member_id=member.pk
        )
    assert not decision.granted
    assert decision.reason == "already_checked_in"
    assert decision.attendance.result == "denied"
    assert Attendance.objects.filter(member=member, result="granted").count() == 1
    assert _denied_rows(member) == ["already_checked_in"]
    assert decision.error().status_code == 400


def test_service_answers_device_source_and_label(gym, frozen):
    member = make_member(gym)
    decision = services.attendance_check_in(
        actor=Actor.device("door-1"), source="device", member=member, device_label="door-1"
    )
    assert decision.granted
    assert decision.attendance.source == "device"
    assert decision.attendance.device_label == "door-1"
    assert decision.attendance.recorded_by is None
    assert AuditEvent.objects.get(action="attendance.checked_in").actor_type == "device"


def test_check_in_needs_the_gym_when_given(gym, other_gym, frozen):
    member = make_member(other_gym)
    with pytest.raises(services.NotFound):
        services.attendance_check_in(
            actor=Actor.system(), source="device", member_id=member.pk, gym_id=gym.pk
        )
    assert not Attendance.objects.exists()


def test_deleting_a_member_removes_their_attendance(gym, frozen):
    member = make_member(gym)
    make_visit(member, local(gym, 2024, 5, 15, 8, 0))
    make_visit(member, local(gym, 2024, 5, 14, 8, 0), result="denied", reason="membership_expired")
    member.delete()
    assert not Attendance.objects.exists()


def test_trainer_of_one_gym_is_refused_by_service_for_another_gyms_member(other_gym, frozen):
    trainer = UserFactory(role="trainer", gym=MemberFactory().gym)
    member = make_member(other_gym)
    response = client_for(trainer).post(check_in_url(member))
    assert response.status_code == 404

