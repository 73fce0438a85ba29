"""user_found / user_not_found: attendance's decision at the door, recorded once per
event, pushed live to the gym's front-desk screens."""

from datetime import timedelta

import pytest
from django.utils import timezone

from attendance.models import Attendance, AttendanceResult, AttendanceSource
from devices.models import DeviceEvent

from .conftest import active_member, desk_socket, jwt_for, new_terminal, run, terminal_socket

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_granted_match_records_one_visit_and_the_front_desk_sees_it(gym2, front_desk):
    device, token = new_terminal(gym2)
    member = active_member(gym2, first_name="Ana", last_name="Luz")
    jwt = jwt_for(front_desk)

    async def scenario():
        desk = await desk_socket(member.pk, jwt)
        terminal = await terminal_socket(gym2.pk, token)
        reply = await terminal.ask({"type": "user_found", "user_id": str(member.pk), "event_id": "e1"})
        event = await desk.recv()
        await terminal.close()
        await desk.close()
        return reply, event

    reply, event = run(scenario)
    assert reply == {
        "type": "access_granted",
        "user_id": str(member.pk),
        "event_id": "e1",
        "full_name": "Ana Luz",
        "expires_on": member.expires_on.isoformat(),
    }
    assert event["type"] == "access_event" and event["result"] == "granted"
    assert event["device_id"] == device.pk and event["user_id"] == str(member.pk)
    visit = Attendance.objects.get(member=member)
    assert visit.source == AttendanceSource.DEVICE and visit.device_id == device.pk
    assert visit.device_label == device.name


def test_the_same_event_twice_is_answered_alike_and_recorded_once(gym2):
    _, token = new_terminal(gym2)
    member = active_member(gym2)

    async def scenario():
        terminal = await terminal_socket(gym2.pk, token)
        first = await terminal.ask({"type": "user_found", "user_id": member.pk, "event_id": "resend-1"})
        await terminal.close()
        terminal = await terminal_socket(gym2.pk, token)  # the connection dropped: resend
        second = await terminal.ask({"type": "user_found", "user_id": member.pk, "event_id": "resend-1"})
        await terminal.close()
        return first, second

    first, second = run(scenario)
    assert first == second and first["type"] == "access_granted"
    assert Attendance.objects.filter(member=member).count() == 1
    assert DeviceEvent.objects.filter(event_id="resend-1").count() == 1


def test_re_entry_the_same_day_is_granted_without_a_second_visit(gym2):
    _, token = new_terminal(gym2)
    member = active_member(gym2)

    async def scenario():
        terminal = await terminal_socket(gym2.pk, token)
        first = await terminal.ask({"type": "user_found", "user_id": member.pk, "event_id": "in-1"})
        again = await terminal.ask({"type": "user_found", "user_id": member.pk, "event_id": "in-2"})
        await terminal.close()
        return first, again

    first, again = run(scenario)
    assert first["type"] == again["type"] == "access_granted"
    rows = Attendance.objects.filter(member=member)
    assert rows.count() == 1 and rows.get().result == AttendanceResult.GRANTED


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"expires_on": "past"}, "membership_expired"),
        ({"paused": True}, "membership_paused"),
        ({"expires_on": None, "membership_starts_on": None, "membership_since": None}, "no_membership"),
        ({"is_active": False}, "member_inactive"),
    ],
)
def test_refusals_carry_attendance_reason(gym2, overrides, reason):
    _, token = new_terminal(gym2)
    today = timezone.now().astimezone(gym2.tz).date()
    if overrides.get("expires_on") == "past":
        overrides = {"expires_on": today - timedelta(days=1)}
    if overrides.pop("paused", False):
        overrides = {"paused_from": today - timedelta(days=1), "paused_until": today + timedelta(days=1)}
    member = active_member(gym2, **overrides)

    async def scenario():
        terminal = await terminal_socket(gym2.pk, token)
        reply = await terminal.ask({"type": "user_found", "user_id": member.pk})
        await terminal.close()
        return reply

    reply = run(scenario)
    assert reply["type"] == "access_denied" and reply["reason"] == reason
    assert Attendance.objects.get(member=member).reason == reason


def test_unknown_members_and_non_matches_are_denied_and_recorded(gym2, other_gym2):
    device, token = new_terminal(gym2)
    foreign = active_member(other_gym2)

    async def scenario():
        terminal = await terminal_socket(gym2.pk, token)
        replies = [
            await terminal.ask({"type": "user_found", "user_id": foreign.pk}),
            await terminal.ask({"type": "user_found", "user_id": 987654321}),
            await terminal.ask({"type": "user_not_found", "event_id": "nf-1"}),
        ]
        await terminal.close()
        return replies

    replies = run(scenario)
    assert [r["type"] for r in replies] == ["access_denied"] * 3
    assert {r["reason"] for r in replies} == {"unknown_member"}
    assert replies[2]["user_id"] is None
    assert DeviceEvent.objects.filter(device=device, result="denied", reason="unknown_member").count() == 3
    assert not Attendance.objects.exists()


def test_device_time_far_ahead_is_refused_and_an_older_one_is_when_it_happened(gym2):
    _, token = new_terminal(gym2)
    member = active_member(gym2)
    ahead = (timezone.now() + timedelta(hours=25)).isoformat()
    earlier = timezone.now() - timedelta(hours=2)

    async def scenario():
        terminal = await terminal_socket(gym2.pk, token)
        refused = await terminal.ask({"type": "user_found", "user_id": member.pk, "device_time": ahead})
        buffered = await terminal.ask(
            {"type": "user_found", "user_id": member.pk, "device_time": earlier.isoformat(), "event_id": "offline-1"}
        )
        await terminal.close()
        return refused, buffered

    refused, buffered = run(scenario)
    assert refused["type"] == "error" and refused["code"] == "device_time_in_future"
    assert buffered["type"] == "access_granted"
    visit = Attendance.objects.get(member=member)
    assert abs(visit.check_in_at - earlier) < timedelta(seconds=1)
    assert DeviceEvent.objects.get(event_id="offline-1").device_time is not None
