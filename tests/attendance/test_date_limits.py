"""Attendance's date limits (gymsite/core/dates.py): how old a time staff may enter, the
window every caller of the check-in is held to, ranges of days, and the arithmetic at the
window's edges."""

from datetime import UTC, datetime, timedelta

import pytest

from attendance import selectors, services
from attendance.models import Attendance, AttendanceSource
from gymsite.accounts.audit import Actor
from gymsite.core import dates
from gymsite.core.errors import Invalid

from .conftest import NOW, local_today, make_member, make_visit

pytestmark = pytest.mark.django_db

LIST = "/api/v1/attendance/"
OLDEST = NOW - timedelta(days=dates.MAX_ENTRY_AGE_DAYS)


def assert_out_of_range(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == dates.OUT_OF_RANGE and field in body["errors"], body


def _member_covered_for_two_years(gym):
    today = local_today(gym)
    return make_member(
        gym, membership_since=today - timedelta(days=800), membership_starts_on=today - timedelta(days=800)
    )


def test_staff_enter_a_visit_at_most_a_year_old(trainer_client, gym, frozen):
    member = _member_covered_for_two_years(gym)
    too_old = trainer_client.post(
        LIST, {"member": member.pk, "check_in_at": (OLDEST - timedelta(seconds=1)).isoformat()}, format="json"
    )
    assert_out_of_range(too_old, "check_in_at")
    assert not Attendance.objects.exists()
    ok = trainer_client.post(LIST, {"member": member.pk, "check_in_at": OLDEST.isoformat()}, format="json")
    assert ok.status_code == 201, ok.content


def test_a_correction_moves_a_visit_at_most_a_year_back(trainer_client, gym, frozen):
    member = _member_covered_for_two_years(gym)
    row = make_visit(member, NOW - timedelta(days=2))
    response = trainer_client.patch(
        f"{LIST}{row.pk}", {"check_in_at": (OLDEST - timedelta(days=1)).isoformat()}, format="json"
    )
    assert_out_of_range(response, "check_in_at")
    row.refresh_from_db()
    assert row.check_in_at == NOW - timedelta(days=2)


def test_an_old_visits_notes_can_still_be_corrected_with_its_own_time(trainer_client, gym, frozen):
    member = _member_covered_for_two_years(gym)
    old = NOW - timedelta(days=500)
    row = make_visit(member, old)
    response = trainer_client.put(
        f"{LIST}{row.pk}", {"check_in_at": old.isoformat(), "notes": "late note"}, format="json"
    )
    assert response.status_code == 200, response.content
    row.refresh_from_db()
    assert row.notes == "late note" and row.check_in_at == old


def test_a_back_dated_check_out_is_at_most_a_year_old(trainer_client, gym, frozen):
    member = _member_covered_for_two_years(gym)
    row = make_visit(member, NOW - timedelta(days=400))
    response = trainer_client.post(
        f"{LIST}{row.pk}/check-out", {"check_out_at": (NOW - timedelta(days=399)).isoformat()}, format="json"
    )
    assert_out_of_range(response, "check_out_at")
    row.refresh_from_db()
    assert row.check_out_at is None


@pytest.mark.parametrize(
    "at",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, tzinfo=UTC),
    ],
)
def test_every_caller_of_the_check_in_is_held_to_the_window(gym, frozen, at):
    """A terminal's clock (the devices app calls the service without a serializer)."""
    member = make_member(gym)
    with pytest.raises(Invalid) as caught:
        services.attendance_check_in(actor=Actor.system(), source=AttendanceSource.DEVICE, member=member, at=at)
    assert caught.value.code == dates.OUT_OF_RANGE and "check_in_at" in caught.value.errors
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("url", [LIST, "/api/v1/attendance/stats"])
def test_a_range_ending_before_it_starts_is_a_400_on_date_to(trainer_client, gym, frozen, url):
    response = trainer_client.get(url, {"date_from": "2024-05-15", "date_to": "2024-05-01"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_range" and "date_to" in response.json()["errors"]


def test_stats_read_at_most_366_days(trainer_client, gym, frozen):
    ok = trainer_client.get("/api/v1/attendance/stats", {"date_from": "2024-01-01", "date_to": "2024-12-31"})
    assert ok.status_code == 200 and len(ok.json()["per_day"]) == 366
    too_long = trainer_client.get("/api/v1/attendance/stats", {"date_from": "2024-01-01", "date_to": "2025-01-01"})
    assert too_long.status_code == 400 and too_long.json()["code"] == "range_too_long"


def test_the_list_reads_the_whole_window(trainer_client, gym, frozen):
    make_visit(make_member(gym), NOW - timedelta(hours=1))
    response = trainer_client.get(LIST, {"date_from": "1900-01-01", "date_to": "2199-12-31"})
    assert response.status_code == 200 and response.json()["count"] == 1


def test_stats_and_summaries_at_the_edges_of_the_window(gym, frozen):
    member = make_member(gym)
    make_visit(member, dates.EARLIEST_DATETIME)
    for date_from, date_to in [
        (dates.LATEST_DATE - timedelta(days=365), dates.LATEST_DATE),
        (dates.EARLIEST_DATE, dates.EARLIEST_DATE + timedelta(days=365)),
    ]:
        stats = selectors.attendance_stats(gyms=[gym], date_from=date_from, date_to=date_to)
        assert len(stats["per_day"]) == 366
    summary = selectors.member_summary(member=member, now=dates.LATEST_DATETIME)
    assert summary["total_visits"] == 1
    assert selectors.week_streaks([dates.EARLIEST_DATE, dates.LATEST_DATE], dates.LATEST_DATE) == (1, 1)
