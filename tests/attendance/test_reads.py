"""Lists, the daily list, a member's summary, who is inside, statistics."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.selectors import week_streaks
from gymsite.accounts.models import Gym
from tests.scoping import assert_list_excludes

from .conftest import NOW, local, make_member, make_visit

pytestmark = pytest.mark.django_db

LIST = "/api/v1/attendance/"


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- list ---------------------------------------------------------------------------------


def test_list_filters_and_scoping(receptionist_client, admin_client, gym, other_gym, frozen):
    ana, bob = make_member(gym), make_member(gym)
    a1 = make_visit(ana, local(gym, 2024, 5, 13, 8, 0))
    a2 = make_visit(ana, local(gym, 2024, 5, 14, 8, 0), source="staff_entry")
    b1 = make_visit(bob, local(gym, 2024, 5, 14, 9, 0), result="denied", reason="membership_expired")
    foreign = make_visit(make_member(other_gym), local(other_gym, 2024, 5, 14, 9, 0))

    assert _ids(receptionist_client.get(LIST)) == [b1.pk, a2.pk, a1.pk]
    assert_list_excludes(receptionist_client, LIST, [foreign.pk])
    assert _ids(receptionist_client.get(LIST, {"member": ana.pk})) == [a2.pk, a1.pk]
    assert _ids(receptionist_client.get(LIST, {"result": "denied"})) == [b1.pk]
    assert _ids(receptionist_client.get(LIST, {"source": "staff_entry"})) == [a2.pk]
    assert _ids(receptionist_client.get(LIST, {"date_from": "2024-05-14"})) == [b1.pk, a2.pk]
    assert _ids(receptionist_client.get(LIST, {"date_to": "2024-05-13"})) == [a1.pk]
    assert receptionist_client.get(LIST, {"gym": other_gym.pk}).json()["code"] == "gym_not_found"
    assert _ids(admin_client.get(LIST, {"gym": other_gym.pk})) == [foreign.pk]
    assert len(_ids(admin_client.get(LIST))) == 4
    bad = receptionist_client.get(LIST, {"date_from": "14/05/2024"})
    assert bad.status_code == 400
    assert receptionist_client.get(LIST, {"result": "maybe"}).status_code == 400


def _count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(context)


def test_lists_run_a_fixed_number_of_queries(receptionist_client, trainer, gym, frozen):
    members = [make_member(gym) for _ in range(3)]
    for member in members:
        make_visit(member, local(gym, 2024, 5, 15, 8, 0), recorded_by=trainer)
    urls = [LIST, "/api/v1/attendance/daily/2024-05-15", f"/api/v1/attendance/member/{members[0].pk}"]
    few = [_count_queries(receptionist_client, url) for url in urls]
    for member in [make_member(gym) for _ in range(12)]:
        make_visit(member, local(gym, 2024, 5, 15, 9, 0), recorded_by=trainer)
        make_visit(member, local(gym, 2024, 5, 14, 9, 0))
    for day in range(1, 10):
        make_visit(members[0], local(gym, 2024, 5, day, 9, 0))
    many = [_count_queries(receptionist_client, url) for url in urls]
    assert few == many
    assert max(many) <= 3  # count + page (+ the member for a member's list)


# --- daily --------------------------------------------------------------------------------


def test_daily_lists_the_gym_local_day_newest_first(receptionist_client, gym, other_gym, frozen):
    ana, bob, cleo = make_member(gym), make_member(gym), make_member(gym)
    # 23:30 on the 14th (05:30 UTC on the 15th) belongs to the 14th, not the 15th.
    late = make_visit(ana, local(gym, 2024, 5, 14, 23, 30))
    morning = make_visit(bob, local(gym, 2024, 5, 15, 7, 45))
    evening = make_visit(ana, local(gym, 2024, 5, 15, 19, 5))
    make_visit(cleo, local(gym, 2024, 5, 15, 8, 0), result="denied", reason="membership_expired")
    make_visit(make_member(other_gym), local(other_gym, 2024, 5, 15, 8, 0))

    response = receptionist_client.get("/api/v1/attendance/daily/2024-05-15")
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [evening.pk, morning.pk]
    assert rows[0]["member_name"] == ana.full_name
    assert rows[0]["check_in_display"] == "07:05 PM"
    assert rows[1]["check_in_display"] == "07:45 AM"
    assert response.json()["count"] == 2
    assert _ids(receptionist_client.get("/api/v1/attendance/daily/2024-05-14")) == [late.pk]
    turned_away = receptionist_client.get("/api/v1/attendance/daily/2024-05-15", {"result": "denied"})
    assert [row["member"] for row in turned_away.json()["results"]] == [cleo.pk]


def test_daily_for_admin_spans_gyms_each_in_its_own_time(admin_client, gym, other_gym, frozen):
    here = make_visit(make_member(gym), local(gym, 2024, 5, 15, 6, 0))
    there = make_visit(make_member(other_gym), local(other_gym, 2024, 5, 15, 1, 0))  # 14th in UTC
    assert set(_ids(admin_client.get("/api/v1/attendance/daily/2024-05-15"))) == {here.pk, there.pk}
    assert _ids(admin_client.get("/api/v1/attendance/daily/2024-05-15", {"gym": other_gym.pk})) == [there.pk]


def test_daily_bad_day_is_400(receptionist_client, frozen):
    response = receptionist_client.get("/api/v1/attendance/daily/2024-02-30")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_date"
    assert receptionist_client.get("/api/v1/attendance/daily/yesterday").status_code == 404


# --- a member's history and summary -------------------------------------------------------


def test_member_history_and_other_gym_member(receptionist_client, gym, other_gym, frozen):
    member = make_member(gym)
    v = make_visit(member, local(gym, 2024, 5, 14, 8, 0))
    d = make_visit(member, local(gym, 2024, 5, 15, 8, 0), result="denied", reason="membership_paused")
    make_visit(make_member(gym), local(gym, 2024, 5, 14, 8, 0))
    assert _ids(receptionist_client.get(f"/api/v1/attendance/member/{member.pk}")) == [d.pk, v.pk]
    assert _ids(receptionist_client.get(f"/api/v1/attendance/member/{member.pk}/", {"result": "granted"})) == [v.pk]
    foreign = make_member(other_gym)
    assert receptionist_client.get(f"/api/v1/attendance/member/{foreign.pk}").status_code == 404
    assert receptionist_client.get(f"/api/v1/attendance/member/{foreign.pk}/summary").status_code == 404


def test_summary_on_a_known_history(trainer_client, gym, frozen):
    # Today is Wednesday 2024-05-15. Membership since Monday 2024-03-04: 73 days, 10.43 weeks.
    member = make_member(gym, membership_since=date(2024, 3, 4))
    visits = [
        # weeks of Mar 4, Mar 11, Mar 18 -> a 3-week streak
        (2024, 3, 4), (2024, 3, 6), (2024, 3, 13), (2024, 3, 24),
        # gap (weeks of Mar 25 .. Apr 15 have none), then Apr 22, Apr 29, May 6 and this week
        (2024, 4, 22), (2024, 5, 1), (2024, 5, 10), (2024, 5, 13), (2024, 5, 15),
    ]
    for y, m, d in visits:
        make_visit(member, local(gym, y, m, d, 18, 30))
    # Refusals never count, even on days without a visit.
    make_visit(member, local(gym, 2024, 4, 1, 9, 0), result="denied", reason="membership_paused")
    make_visit(member, local(gym, 2024, 5, 15, 20, 0), result="denied", reason="already_checked_in")

    response = trainer_client.get(f"/api/v1/attendance/member/{member.pk}/summary")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total_visits"] == 9
    # The last 30 days are Apr 16 .. May 15.
    assert body["visits_last_30_days"] == 5
    assert body["first_visit_at"].startswith("2024-03-05T00:30:00")  # 18:30 on Mar 4, UTC-6
    assert body["last_visit_at"].startswith("2024-05-16T00:30:00")
    assert body["last_visit_display"] == "06:30 PM"
    assert body["since"] == "2024-03-04"
    assert body["average_visits_per_week"] == round(9 / (73 / 7), 2)
    assert body["longest_streak_weeks"] == 4
    assert body["current_streak_weeks"] == 4


def test_summary_of_a_member_without_visits(trainer_client, gym, frozen):
    member = make_member(gym, membership_since=None)
    body = trainer_client.get(f"/api/v1/attendance/member/{member.pk}/summary").json()
    assert body["total_visits"] == 0
    assert body["last_visit_display"] == "--:--"
    assert body["first_visit_at"] is None
    assert body["average_visits_per_week"] == 0
    assert body["longest_streak_weeks"] == body["current_streak_weeks"] == 0


def test_summary_falls_back_to_first_visit_for_the_average(trainer_client, gym, frozen):
    member = make_member(gym, membership_since=None)
    for day in (1, 2, 8, 9, 15):  # first visit Wed May 1: 15 days -> 2.14 weeks
        make_visit(member, local(gym, 2024, 5, day, 10, 0))
    body = trainer_client.get(f"/api/v1/attendance/member/{member.pk}/summary").json()
    assert body["since"] == "2024-05-01"
    assert body["average_visits_per_week"] == round(5 / (15 / 7), 2)


@pytest.mark.parametrize(
    ("days", "longest", "current"),
    [
        ([], 0, 0),
        # this week (of Mon 2024-05-13) not yet visited: the streak up to last week stands
        ([date(2024, 4, 29), date(2024, 5, 6)], 2, 2),
        # last visit two weeks ago: no current streak
        ([date(2024, 4, 22), date(2024, 4, 29)], 2, 0),
        # Sunday and the next Monday are two consecutive ISO weeks
        ([date(2024, 5, 12), date(2024, 5, 13)], 2, 2),
        # the year turn: ISO week 52 of 2023 and week 1 of 2024
        ([date(2023, 12, 31), date(2024, 1, 1), date(2024, 1, 8), date(2024, 5, 15)], 3, 1),
    ],
)
def test_week_streaks(days, longest, current):
    assert week_streaks(days, date(2024, 5, 15)) == (longest, current)


# --- who is inside ------------------------------------------------------------------------


def test_occupancy_counts_who_is_inside(receptionist_client, gym, other_gym, frozen):
    # Now is 12:00 in Mexico City; the default stay is 120 minutes.
    inside = make_visit(make_member(gym), local(gym, 2024, 5, 15, 10, 30))
    also_inside = make_visit(make_member(gym), local(gym, 2024, 5, 15, 11, 50))
    make_visit(make_member(gym), local(gym, 2024, 5, 15, 9, 59))  # stay over: gone
    make_visit(make_member(gym), local(gym, 2024, 5, 15, 11, 0), check_out_at=local(gym, 2024, 5, 15, 11, 40))
    make_visit(make_member(gym), local(gym, 2024, 5, 15, 11, 0), result="denied", reason="membership_expired")
    make_visit(make_member(other_gym), local(other_gym, 2024, 5, 15, 19, 30))

    response = receptionist_client.get("/api/v1/attendance/occupancy")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    assert [row["attendance"] for row in body["results"]] == [also_inside.pk, inside.pk]
    assert body["results"][1]["expected_leave_at"].startswith("2024-05-15T18:30:00")
    assert body["results"][1]["check_in_display"] == "10:30 AM"
    assert body["gyms"] == [{"gym": gym.pk, "gym_name": gym.name, "count": 2}]


def test_occupancy_uses_each_gyms_default_stay_and_today(admin_client, gym, other_gym, frozen):
    Gym.objects.filter(pk=gym.pk).update(default_stay_minutes=30)
    make_visit(make_member(gym), local(gym, 2024, 5, 15, 11, 0))  # 60 min ago: gone at 30 min
    here = make_visit(make_member(gym), local(gym, 2024, 5, 15, 11, 45))
    # 18:00 UTC is 20:00 in Madrid.
    there = make_visit(make_member(other_gym), local(other_gym, 2024, 5, 15, 19, 0))
    body = admin_client.get("/api/v1/attendance/occupancy").json()
    assert body["count"] == 2
    assert {row["attendance"] for row in body["results"]} == {here.pk, there.pk}
    assert {g["gym"]: g["count"] for g in body["gyms"]} == {gym.pk: 1, other_gym.pk: 1}
    only = admin_client.get("/api/v1/attendance/occupancy", {"gym": other_gym.pk}).json()
    assert [row["attendance"] for row in only["results"]] == [there.pk]


def test_occupancy_long_stay_does_not_cross_midnight(receptionist_client, gym):
    import time_machine

    Gym.objects.filter(pk=gym.pk).update(default_stay_minutes=180)
    member = make_member(gym)
    make_visit(member, local(gym, 2024, 5, 14, 23, 0))
    with time_machine.travel(local(gym, 2024, 5, 15, 0, 30), tick=False):
        body = receptionist_client.get("/api/v1/attendance/occupancy").json()
    # Inside by the clock, but "checked in today" is the rule: yesterday's visit is not.
    assert body["count"] == 0


def test_occupancy_for_another_gym_is_404(receptionist_client, other_gym, frozen):
    response = receptionist_client.get("/api/v1/attendance/occupancy", {"gym": other_gym.pk})
    assert response.status_code == 404


# --- statistics ---------------------------------------------------------------------------


def test_stats_per_day_and_heatmap_in_gym_time(trainer_client, gym, frozen):
    members = [make_member(gym) for _ in range(4)]
    # Tuesday 2024-05-14 19:xx in Mexico City is Wednesday 01:xx UTC: bucket Tuesday 19h.
    make_visit(members[0], local(gym, 2024, 5, 14, 19, 10))
    make_visit(members[1], local(gym, 2024, 5, 14, 19, 50))
    # Monday 23:30 local is Tuesday 05:30 UTC: bucket Monday 23h.
    make_visit(members[2], local(gym, 2024, 5, 13, 23, 30))
    make_visit(members[3], local(gym, 2024, 5, 15, 6, 0))
    # Refused: not counted anywhere.
    make_visit(members[3], local(gym, 2024, 5, 14, 19, 0), result="denied", reason="membership_paused")
    # Outside the range.
    make_visit(members[0], local(gym, 2024, 5, 10, 19, 0))

    response = trainer_client.get(
        "/api/v1/attendance/stats", {"date_from": "2024-05-12", "date_to": "2024-05-15"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total_visits"] == 4
    assert body["per_day"] == [
        {"date": "2024-05-12", "visits": 0},
        {"date": "2024-05-13", "visits": 1},
        {"date": "2024-05-14", "visits": 2},
        {"date": "2024-05-15", "visits": 1},
    ]
    heatmap = body["heatmap"]
    assert len(heatmap) == 7 and all(len(row) == 24 for row in heatmap)
    assert body["weekdays"][0] == "monday"
    assert heatmap[1][19] == 2  # Tuesday 19h
    assert heatmap[0][23] == 1  # Monday 23h
    assert heatmap[2][6] == 1  # Wednesday 06h
    assert sum(map(sum, heatmap)) == 4


def test_stats_for_admin_bucket_each_gym_in_its_own_zone(admin_client, gym, other_gym, frozen):
    make_visit(make_member(gym), local(gym, 2024, 5, 14, 7, 0))
    make_visit(make_member(other_gym), local(other_gym, 2024, 5, 14, 7, 0))
    body = admin_client.get(
        "/api/v1/attendance/stats", {"date_from": "2024-05-14", "date_to": "2024-05-14"}
    ).json()
    # Both at 07:00 on Tuesday in their own gym, though 12 hours apart in UTC.
    assert body["heatmap"][1][7] == 2
    assert body["total_visits"] == 2


def test_stats_defaults_to_the_last_30_days(trainer_client, gym, frozen):
    make_visit(make_member(gym), local(gym, 2024, 5, 15, 7, 0))
    body = trainer_client.get("/api/v1/attendance/stats").json()
    assert body["date_to"] == "2024-05-15"
    assert body["date_from"] == (date(2024, 5, 15) - timedelta(days=29)).isoformat()
    assert len(body["per_day"]) == 30
    assert body["total_visits"] == 1


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"date_from": "2024-05-15", "date_to": "2024-05-01"}, "invalid_range"),
        ({"date_from": "2022-01-01", "date_to": "2024-05-01"}, "range_too_long"),
        ({"date_from": "not-a-date"}, "invalid"),
    ],
)
def test_stats_bad_range_is_400(trainer_client, gym, frozen, params, code):
    response = trainer_client.get("/api/v1/attendance/stats", params)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_stats_query_count_does_not_grow_with_visits(trainer_client, gym, frozen):
    for day in range(1, 15):
        make_visit(make_member(gym), local(gym, 2024, 5, day, 7, 0))
    params = {"date_from": "2024-05-01", "date_to": "2024-05-15"}
    with CaptureQueriesContext(connection) as context:
        assert trainer_client.get("/api/v1/attendance/stats", params).status_code == 200
    assert len(context) == 3  # gyms, per day, heatmap for the one time zone


def test_now_constant_is_noon_in_mexico_city(gym):
    assert NOW.astimezone(gym.tz).hour == 12
