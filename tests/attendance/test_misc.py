from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from attendance.demo import seed_demo
from attendance.models import Attendance
from gymsite.core.timefmt import format_visit_time
from members.models import Member

from .conftest import local, local_today, make_member, make_visit

MX = ZoneInfo("America/Mexico_City")


@pytest.mark.parametrize(
    ("utc", "shown"),
    [
        (datetime(2024, 5, 16, 1, 45, tzinfo=UTC), "07:45 PM"),
        (datetime(2024, 5, 15, 6, 5, tzinfo=UTC), "12:05 AM"),
        (datetime(2024, 5, 15, 18, 0, tzinfo=UTC), "12:00 PM"),
        (datetime(2024, 5, 15, 15, 9, tzinfo=UTC), "09:09 AM"),
    ],
)
def test_format_visit_time_in_gym_zone(utc, shown):
    assert format_visit_time(utc, MX) == shown


def test_format_visit_time_before_first_visit():
    assert format_visit_time(None, MX) == "--:--"


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_only_for_active_members(gym, frozen):
    assert seed_demo(gym) == 0  # no members yet
    active = make_member(gym)
    expired = make_member(gym, expires_on=local_today(gym) - timedelta(days=1))
    written = seed_demo(gym)
    assert written > 0
    assert Attendance.objects.filter(member=active).count() == written
    assert not Attendance.objects.filter(member=expired).exists()
    assert seed_demo(gym) == 0
    assert Attendance.objects.count() == written
    active.refresh_from_db()
    latest = Attendance.objects.filter(member=active).latest("check_in_at")
    assert active.last_visit_at == latest.check_in_at
    # One visit a day at most, all in the past.
    days = list(Attendance.objects.values_list("local_date", flat=True))
    assert len(days) == len(set(days))
    assert max(days) < local_today(gym)


@pytest.mark.django_db
def test_admin_pages_list_filter_and_delete_through_the_service(admin_user, gym, frozen, client):
    member = make_member(gym, first_name="Zelda")
    row = make_visit(member, local(gym, 2024, 5, 15, 8, 0))
    Member.objects.filter(pk=member.pk).update(last_visit_at=row.check_in_at)
    client.force_login(admin_user)
    changelist = client.get("/admin/attendance/attendance/", {"q": "Zelda", "result__exact": "granted"})
    assert changelist.status_code == 200
    assert b"Zelda" in changelist.content
    assert client.get(f"/admin/attendance/attendance/{row.pk}/change/").status_code == 200
    assert client.get("/admin/attendance/attendance/add/").status_code == 403
    response = client.post(f"/admin/attendance/attendance/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Attendance.objects.exists()
    member.refresh_from_db()
    assert member.last_visit_at is None
