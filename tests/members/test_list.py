"""The member list: search over each field, status in SQL per gym time zone, plan filter,
ordering, gym scoping and a fixed number of queries."""

import datetime as dt

import pytest
import time_machine

from gymsite.accounts.models import Gym
from members.models import Member, MemberStatus
from members.selectors import member_status_q
from tests.factories import GymFactory, MemberFactory
from tests.scoping import assert_list_excludes

from .conftest import LIST_URL

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    "field, value, term",
    [
        ("first_name", "Guadalupe", "dalu"),
        ("last_name", "Villaseñor", "VILLASE"),
        ("phone", "+52 55 1234 9876", "1234 98"),
        ("document_id", "CURP-XYZ-777", "xyz-7"),
        ("email", "Lupe.V@Example.com", "lupe.v@EXAMPLE"),
    ],
)
def test_search_is_a_case_insensitive_substring_of_each_field(receptionist_client, gym, field, value, term):
    target = MemberFactory(gym=gym, **{field: value})
    MemberFactory(gym=gym, first_name="Someone", last_name="Else", phone="000", email="", document_id="")
    assert ids(receptionist_client.get(LIST_URL, {"search": term})) == {target.pk}


def test_search_finds_a_full_name(receptionist_client, gym):
    target = MemberFactory(gym=gym, first_name="Ana", last_name="Lopez Gomez")
    MemberFactory(gym=gym, first_name="Ana", last_name="Ruiz")
    assert ids(receptionist_client.get(LIST_URL, {"search": "ana lopez"})) == {target.pk}
    # LIKE wildcards typed by the user are plain characters.
    assert ids(receptionist_client.get(LIST_URL, {"search": "a%z"})) == set()
    assert ids(receptionist_client.get(LIST_URL, {"search": "_"})) == set()


def test_search_never_crosses_gyms(admin_client, receptionist_client, gym, other_gym):
    mine = MemberFactory(gym=gym, first_name="Zelda")
    theirs = MemberFactory(gym=other_gym, first_name="Zelda")
    assert ids(receptionist_client.get(LIST_URL, {"search": "zelda"})) == {mine.pk}
    assert ids(admin_client.get(LIST_URL, {"search": "zelda"})) == {mine.pk, theirs.pk}
    assert ids(admin_client.get(LIST_URL, {"search": "zelda", "gym": other_gym.pk})) == {theirs.pk}
    assert_list_excludes(receptionist_client, LIST_URL, [theirs.pk])
    response = admin_client.get(LIST_URL, {"gym": "abc"})
    assert response.status_code == 400


def _with_summary(gym, **summary):
    return MemberFactory(gym=gym, **summary)


TODAY = dt.date(2026, 3, 10)


def status_cases(gym, today=TODAY):
    day = dt.timedelta(days=1)
    return {
        "pending_never": (_with_summary(gym), MemberStatus.PENDING),
        "pending_future_first": (
            _with_summary(gym, membership_since=today + day, membership_starts_on=today + day, expires_on=today + 30 * day),
            MemberStatus.PENDING,
        ),
        "active": (
            _with_summary(gym, membership_since=today - 5 * day, membership_starts_on=today - 5 * day, expires_on=today + 25 * day),
            MemberStatus.ACTIVE,
        ),
        "active_last_day": (
            _with_summary(gym, membership_since=today - 30 * day, membership_starts_on=today - 30 * day, expires_on=today),
            MemberStatus.ACTIVE,
        ),
        "active_pause_over": (
            _with_summary(
                gym,
                membership_since=today - 40 * day,
                membership_starts_on=today - 40 * day,
                expires_on=today + 10 * day,
                paused_from=today - 10 * day,
                paused_until=today - day,
            ),
            MemberStatus.ACTIVE,
        ),
        "paused": (
            _with_summary(
                gym,
                membership_since=today - 20 * day,
                membership_starts_on=today - 20 * day,
                expires_on=today + 20 * day,
                paused_from=today - day,
                paused_until=today + 3 * day,
            ),
            MemberStatus.PAUSED,
        ),
        "expired": (
            _with_summary(gym, membership_since=today - 60 * day, membership_starts_on=today - 30 * day, expires_on=today - day),
            MemberStatus.EXPIRED,
        ),
        "expired_gap_before_future": (
            _with_summary(gym, membership_since=today - 90 * day, membership_starts_on=today + 2 * day, expires_on=today + 32 * day),
            MemberStatus.EXPIRED,
        ),
    }


def test_status_filter_matches_each_status(receptionist_client, gym):
    cases = status_cases(gym)
    with time_machine.travel(dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.UTC), tick=False):
        for status in MemberStatus.values:
            expected = {m.pk for m, s in cases.values() if s == status}
            assert expected, status
            assert ids(receptionist_client.get(LIST_URL, {"status": status})) == expected, status
            for row in receptionist_client.get(LIST_URL, {"status": status}).json()["results"]:
                assert row["status"] == status
    assert receptionist_client.get(LIST_URL, {"status": "ACTIVO"}).status_code == 400


def test_status_sql_agrees_with_status_on(gym):
    """The Q is the SQL twin of Member.status_on: both decide every case alike, on every
    day around the periods' edges."""
    cases = status_cases(gym)
    members = [m for m, _ in cases.values()]
    for offset in range(-100, 100, 1):
        day = TODAY + dt.timedelta(days=offset)
        for status in MemberStatus.values:
            in_sql = set(Member.objects.filter(member_status_q(status, day)).values_list("pk", flat=True))
            in_python = {m.pk for m in members if m.status_on(day) == status}
            assert in_sql == in_python, (day, status)


def test_status_filter_uses_each_gyms_own_today(admin_client):
    # At 12:00 UTC on March 10 it is already March 11 in Kiritimati (UTC+14) and still
    # March 10 in Pago Pago (UTC-11).
    east = GymFactory(name="East", time_zone="Pacific/Kiritimati")
    west = GymFactory(name="West", time_zone="Pacific/Pago_Pago")
    period = {"membership_since": dt.date(2026, 2, 9), "membership_starts_on": dt.date(2026, 2, 9), "expires_on": dt.date(2026, 3, 10)}
    east_member = MemberFactory(gym=east, **period)
    west_member = MemberFactory(gym=west, **period)
    starts = {"membership_since": dt.date(2026, 3, 11), "membership_starts_on": dt.date(2026, 3, 11), "expires_on": dt.date(2026, 4, 10)}
    east_starting = MemberFactory(gym=east, **starts)
    west_starting = MemberFactory(gym=west, **starts)
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC), tick=False):
        assert ids(admin_client.get(LIST_URL, {"status": "expired"})) == {east_member.pk}
        assert ids(admin_client.get(LIST_URL, {"status": "active"})) == {west_member.pk, east_starting.pk}
        assert ids(admin_client.get(LIST_URL, {"status": "pending"})) == {west_starting.pk}
        body = admin_client.get(LIST_URL, {"limit": 10}).json()["results"]
        assert {row["id"]: row["status"] for row in body} == {
            east_member.pk: "expired",
            west_member.pk: "active",
            east_starting.pk: "active",
            west_starting.pk: "pending",
        }


def test_plan_filter(receptionist_client, gym):
    monthly = MemberFactory(gym=gym, current_plan_id=11, current_plan_name="Monthly")
    MemberFactory(gym=gym, current_plan_id=12, current_plan_name="Yearly")
    MemberFactory(gym=gym)
    assert ids(receptionist_client.get(LIST_URL, {"plan": 11})) == {monthly.pk}
    assert receptionist_client.get(LIST_URL, {"plan": "x"}).status_code == 400


@pytest.mark.parametrize("key", ["last_name", "created_at", "expires_on", "last_visit_at"])
def test_ordering(receptionist_client, gym, key):
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    members = []
    for n, last_name in enumerate(["Cruz", "Alba", "Bravo"]):
        member = MemberFactory(
            gym=gym,
            last_name=last_name,
            expires_on=dt.date(2026, 5, 1) + dt.timedelta(days=(n * 7) % 3),
            last_visit_at=base + dt.timedelta(hours=(n * 5) % 3),
        )
        members.append(member)
    empty = MemberFactory(gym=gym, last_name="Zeta")  # no expiry, no visit: sorts last both ways
    members = list(Member.objects.filter(pk__in=[m.pk for m in members]))

    ascending = [m.pk for m in sorted(members, key=lambda m: getattr(m, key))] + [empty.pk]
    descending = [m.pk for m in sorted(members, key=lambda m: getattr(m, key), reverse=True)]
    descending += [empty.pk] if key in ("expires_on", "last_visit_at") else []
    if key not in ("expires_on", "last_visit_at"):
        ascending = [m.pk for m in sorted([*members, empty], key=lambda m: getattr(m, key))]
        descending = list(reversed(ascending))
    rows = receptionist_client.get(LIST_URL, {"ordering": key}).json()["results"]
    assert [r["id"] for r in rows] == ascending
    rows = receptionist_client.get(LIST_URL, {"ordering": f"-{key}"}).json()["results"]
    assert [r["id"] for r in rows] == descending


def test_unknown_ordering_is_ignored(receptionist_client, gym):
    MemberFactory(gym=gym)
    assert receptionist_client.get(LIST_URL, {"ordering": "notes"}).status_code == 200


def _fill(gyms, count):
    for n in range(count):
        MemberFactory(
            gym=gyms[n % len(gyms)],
            current_plan_id=1,
            current_plan_name="Monthly",
            expires_on=dt.date(2030, 1, 1),
            last_visit_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )


@pytest.mark.parametrize("params, queries", [({}, 2), ({"status": "active"}, 3), ({"search": "member", "ordering": "-expires_on"}, 2)])
def test_list_runs_a_fixed_number_of_queries(admin_client, gym, other_gym, django_assert_num_queries, params, queries):
    _fill([gym, other_gym], 3)
    with django_assert_num_queries(queries):
        small = admin_client.get(LIST_URL, {"limit": 3, **params})
    assert len(small.json()["results"]) == 3
    _fill([gym, other_gym, GymFactory(name="Third", time_zone="Asia/Tokyo")], 60)
    with django_assert_num_queries(queries):
        large = admin_client.get(LIST_URL, {"limit": 60, **params})
    assert len(large.json()["results"]) == 60


def test_phone_search_is_partial_and_paginated(receptionist_client, gym, django_assert_num_queries):
    hits = [MemberFactory(gym=gym, phone=f"+1234567{n:03d}") for n in range(5)]
    MemberFactory(gym=gym, phone="+9999999")
    with django_assert_num_queries(2):
        response = receptionist_client.get(f"{LIST_URL}search/phone/+123456")
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {m.pk for m in hits}
    assert response.json()["count"] == 5


def test_document_search_is_exact(receptionist_client, gym):
    member = MemberFactory(gym=gym, document_id="MEMBER001")
    MemberFactory(gym=gym, document_id="MEMBER0011")
    response = receptionist_client.get(f"{LIST_URL}search/document/MEMBER001")
    assert response.status_code == 200
    assert response.json()["id"] == member.pk
    assert response.json()["status"] == "pending"
    response = receptionist_client.get(f"{LIST_URL}search/document/MEMBER00")
    assert response.status_code == 404
    assert response.json()["code"] == "member_not_found"


def test_document_search_for_an_admin_across_gyms(admin_client, gym, other_gym):
    here = MemberFactory(gym=gym, document_id="SAME")
    there = MemberFactory(gym=other_gym, document_id="SAME")
    response = admin_client.get(f"{LIST_URL}search/document/SAME")
    assert response.status_code == 409
    assert response.json()["code"] == "document_in_several_gyms"
    assert admin_client.get(f"{LIST_URL}search/document/SAME", {"gym": gym.pk}).json()["id"] == here.pk
    assert admin_client.get(f"{LIST_URL}search/document/SAME", {"gym": other_gym.pk}).json()["id"] == there.pk
    assert Gym.objects.count() == 2
