"""The admin shows every time in gym time, and its date drill-downs and filters cut days
where the times shown say they begin (gymsite.accounts.admin_time): two gyms in different
zones, an admin of no gym, an admin of one gym."""

import re
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from attendance.models import Attendance
from billing.models import Payment
from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.roles import Role
from tests.admin_pages import signed_in
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

MX = ZoneInfo("America/Mexico_City")  # UTC-6 in November
MADRID = ZoneInfo("Europe/Madrid")  # UTC+1 in November
NOW = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)  # Nov 29, 23:30 in Mexico; Nov 30, 6:30 in Madrid
TIME = re.compile(r'<time class="gym-time" datetime="([^"]+)" data-time-zone="([^"]+)">(.*?)</time>', re.S)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def page(user, url, **params) -> str:
    response = signed_in(user).get(url, params)
    assert response.status_code == 200, response.content[:3000]
    return response.content.decode()


def times(html: str) -> list[tuple[str, str, str]]:
    """(ISO moment, zone, text) of each `gym-time` on the page, the text without tags."""
    return [(moment, zone, re.sub(r"<[^>]+>", "", text).strip()) for moment, zone, text in TIME.findall(html)]


def visit(member, local: datetime):
    return Attendance.objects.create(
        member=member, gym=member.gym, check_in_at=local, local_date=local.date(), result="granted", source="front_desk"
    )


def payment(member, local: datetime, amount="500.00"):
    return Payment.objects.create(
        gym=member.gym, member=member, member_name=member.full_name, amount=Decimal(amount), method="cash",
        paid_at=local,
    )


@pytest.fixture
def two_gyms(gym, other_gym):
    return gym, other_gym


def test_a_visit_shows_at_the_gyms_hour_not_the_servers(admin_user, gym):
    """Seed 002: a visit at 7:48 at the gym is 7:48 in the list, not 1:48 p.m. (UTC); one
    gym, so no zone is named, and the header says which zone the page is in."""
    visit(MemberFactory(gym=gym, first_name="Ana"), datetime(2026, 11, 29, 7, 48, tzinfo=MX))
    html = page(admin_user, "/admin/attendance/attendance/")
    assert times(html) == [("2026-11-29T07:48:00-06:00", "America/Mexico_City", "11/29/2026 7:48 a.m.")]
    assert "1:48 p.m." not in html
    assert '<span class="admin-time-zone"' in html and "Times in America/Mexico_City (CST)" in html


def test_each_row_in_its_own_gyms_zone_named_where_gyms_differ(admin_user, two_gyms):
    gym, other_gym = two_gyms
    visit(MemberFactory(gym=gym), datetime(2026, 11, 29, 7, 48, tzinfo=MX))
    visit(MemberFactory(gym=other_gym), datetime(2026, 11, 29, 19, 5, tzinfo=MADRID))
    html = page(admin_user, "/admin/attendance/attendance/")
    assert sorted(times(html)) == [
        ("2026-11-29T07:48:00-06:00", "America/Mexico_City", "11/29/2026 7:48 a.m. CST"),
        ("2026-11-29T19:05:00+01:00", "Europe/Madrid", "11/29/2026 7:05 p.m. CET"),
    ]
    assert '<abbr class="gym-time-zone" title="Europe/Madrid">CET</abbr>' in html
    # An admin of no gym, gyms in two zones: the page itself is in server time, and says so.
    assert "Times in UTC" in html


def test_the_attendance_drill_down_files_a_visit_under_the_day_it_shows(admin_user, two_gyms):
    gym, other_gym = two_gyms
    late = visit(MemberFactory(gym=gym, first_name="Late"), datetime(2026, 11, 28, 23, 50, tzinfo=MX))
    early = visit(MemberFactory(gym=other_gym, first_name="Early"), datetime(2026, 11, 29, 0, 30, tzinfo=MADRID))
    # In UTC the late visit is on the 29th and the early one on the 28th: the opposite.
    assert (late.check_in_at.astimezone(UTC).day, early.check_in_at.astimezone(UTC).day) == (29, 28)
    base = {"local_date__year": 2026, "local_date__month": 11}
    day_28 = page(admin_user, "/admin/attendance/attendance/", **base, local_date__day=28)
    assert [text for _, _, text in times(day_28)] == ["11/28/2026 11:50 p.m. CST"]
    day_29 = page(admin_user, "/admin/attendance/attendance/", **base, local_date__day=29)
    assert [text for _, _, text in times(day_29)] == ["11/29/2026 12:30 a.m. CET"]


def test_the_payments_drill_down_cuts_days_at_each_gyms_midnight(admin_user, two_gyms):
    gym, other_gym = two_gyms
    payment(MemberFactory(gym=gym, first_name="Late"), datetime(2026, 11, 28, 23, 50, tzinfo=MX))
    payment(MemberFactory(gym=other_gym, first_name="Early"), datetime(2026, 11, 29, 0, 30, tzinfo=MADRID))
    url = "/admin/billing/payment/"
    month = page(admin_user, url, paid_at__year=2026, paid_at__month=11)
    # The days offered are the gyms' days of the payments (not their UTC days).
    assert "paid_at__day=28" in month and "paid_at__day=29" in month
    day_28 = page(admin_user, url, paid_at__year=2026, paid_at__month=11, paid_at__day=28)
    assert [text for _, _, text in times(day_28)] == ["11/28/2026 11:50 p.m. CST"]
    assert "Late" in day_28 and "Early" not in day_28
    day_29 = page(admin_user, url, paid_at__year=2026, paid_at__month=11, paid_at__day=29)
    assert [text for _, _, text in times(day_29)] == ["11/29/2026 12:30 a.m. CET"]
    # Bad dates are the admin's usual "invalid lookup" redirect, not a 500.
    assert signed_in(admin_user).get(url, {"paid_at__year": 2026, "paid_at__month": 13}).status_code == 302


def test_today_is_each_gyms_today(admin_user, two_gyms):
    """At 5:30 UTC on Nov 30 it is still the 29th in Mexico and already the 30th in Madrid."""
    gym, other_gym = two_gyms
    payment(MemberFactory(gym=gym, first_name="MxToday"), datetime(2026, 11, 29, 8, 0, tzinfo=MX))
    payment(MemberFactory(gym=gym, first_name="MxYesterday"), datetime(2026, 11, 28, 20, 0, tzinfo=MX))
    payment(MemberFactory(gym=other_gym, first_name="MadToday"), datetime(2026, 11, 30, 6, 0, tzinfo=MADRID))
    payment(MemberFactory(gym=other_gym, first_name="MadYesterday"), datetime(2026, 11, 29, 23, 0, tzinfo=MADRID))
    html = page(admin_user, "/admin/billing/payment/", paid_at__gym_day="today")
    assert "MxToday" in html and "MadToday" in html
    assert "MxYesterday" not in html and "MadYesterday" not in html
    week = page(admin_user, "/admin/billing/payment/", paid_at__gym_day="past_7_days", _facets="True")
    assert all(name in week for name in ["MxToday", "MxYesterday", "MadToday", "MadYesterday"])
    assert "Today (2)" in week  # the counts follow the same days


def test_an_admin_of_one_gym_reads_their_gyms_time(two_gyms):
    gym, other_gym = two_gyms
    owner = UserFactory(username="owner", role=Role.ADMIN, gym=other_gym)
    visit(MemberFactory(gym=other_gym), datetime(2026, 11, 29, 19, 5, tzinfo=MADRID))
    html = page(owner, "/admin/attendance/attendance/")
    assert "Times in Europe/Madrid (CET)" in html
    assert [text for _, _, text in times(html)] == ["11/29/2026 7:05 p.m. CET"]  # gyms differ: named


def test_a_rows_page_is_in_the_rows_gym_time(admin_user, two_gyms):
    gym, other_gym = two_gyms
    owner = UserFactory(username="owner", role=Role.ADMIN, gym=gym)  # in Mexico
    paid = payment(MemberFactory(gym=other_gym), datetime(2026, 11, 29, 0, 30, tzinfo=MADRID))
    html = page(owner, f"/admin/billing/payment/{paid.pk}/change/")
    assert "Times in Europe/Madrid (CET)" in html
    assert [text for _, _, text in times(html)] == ["Nov. 29, 2026, 12:30 a.m. CET"]


def test_users_audit_and_members_show_gym_time(admin_user, two_gyms):
    gym, other_gym = two_gyms
    desk = UserFactory(username="desk", role=Role.RECEPTIONIST, gym=other_gym)
    desk.last_login = datetime(2026, 11, 29, 9, 15, tzinfo=MADRID)
    desk.save()
    users = page(admin_user, "/admin/accounts/user/")
    assert ("2026-11-29T09:15:00+01:00", "Europe/Madrid", "11/29/2026 9:15 a.m. CET") in times(users)

    member = MemberFactory(gym=gym, first_name="Ana", last_visit_at=datetime(2026, 11, 29, 7, 48, tzinfo=MX))
    members = page(admin_user, "/admin/members/member/")
    assert ("2026-11-29T07:48:00-06:00", "America/Mexico_City", "11/29/2026 7:48 a.m. CST") in times(members)

    with time_machine.travel(datetime(2026, 11, 29, 13, 48, tzinfo=UTC), tick=False):
        audit_record(actor=Actor(user=admin_user), action="member.changed", target=member, data={"changed": ["notes"]})
    audit = page(admin_user, "/admin/accounts/auditevent/")
    assert ("2026-11-29T07:48:00-06:00", "America/Mexico_City", "11/29/2026 7:48 a.m. CST") in times(audit)
