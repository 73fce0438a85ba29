"""Billing's date limits (gymsite/core/dates.py): how far back and ahead a membership may
start, how far ahead a pause, the horizon no period ends after, how long a plan lasts, the
longest payments summary; and the arithmetic at those bounds, which never overflows."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing import periods
from billing.models import DurationUnit, Membership, Payment, Plan
from billing.selectors import expiry_reminder_candidates, local_datetime_range_q
from gymsite.core import dates
from members.models import Member

from .factories import PlanFactory, give_membership

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/members/"
MEMBERSHIPS = "/api/v1/memberships/"
PAYMENTS = "/api/v1/payments/"
PLANS = "/api/v1/plans/"
TODAY = date(2026, 1, 15)


def assert_out_of_range(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == dates.OUT_OF_RANGE and field in body["errors"], body


# --- a membership's chosen start ------------------------------------------------------------


@pytest.mark.parametrize(
    "offset, ok",
    [
        (-dates.MAX_BACKDATE_DAYS, True),
        (-dates.MAX_BACKDATE_DAYS - 1, False),
        (dates.MAX_ADVANCE_DAYS, True),
        (dates.MAX_ADVANCE_DAYS + 1, False),
    ],
)
def test_a_membership_starts_within_a_year_of_today(admin_client, member, monthly, frozen, offset, ok):
    frozen(2026, 1, 15)
    starts_on = (TODAY + timedelta(days=offset)).isoformat()
    response = admin_client.post(
        MEMBERSHIPS, {"member": member.pk, "plan": monthly.pk, "starts_on": starts_on}, format="json"
    )
    if ok:
        assert response.status_code == 201, response.content
        assert response.json()["starts_on"] == starts_on
    else:
        assert_out_of_range(response, "starts_on")
        assert not Membership.objects.exists()


def test_enrollment_with_a_start_too_far_back_writes_nothing(receptionist_client, gym, monthly, frozen):
    frozen(2026, 1, 15)
    response = receptionist_client.post(
        MEMBERS,
        {"first_name": "Eva", "plan": monthly.pk, "method": "cash", "starts_on": "2024-06-01"},
        format="json",
    )
    assert_out_of_range(response, "starts_on")
    assert not Member.objects.exists() and not Payment.objects.exists()


def test_moving_a_membership_start_beyond_the_limits_changes_nothing(admin_client, member, monthly, frozen):
    frozen(2026, 1, 15)
    membership = give_membership(member, monthly).membership
    response = admin_client.patch(
        f"{MEMBERSHIPS}{membership.pk}", {"starts_on": "2027-06-01"}, format="json"
    )
    assert_out_of_range(response, "starts_on")
    membership.refresh_from_db()
    assert (membership.starts_on, membership.expires_on) == (TODAY, date(2026, 2, 15))


# --- the horizon: no period ends after LATEST_DATE ----------------------------------------------


def _covered_until(member, plan, expires_on: date) -> Membership:
    """A period ending on `expires_on`, as if years of renewals had stacked up to it."""
    membership = give_membership(member, plan, method=None).membership
    Membership.objects.filter(pk=membership.pk).update(expires_on=expires_on)
    return membership


def test_a_renewal_past_the_horizon_is_refused_on_the_plan(receptionist_client, member, monthly, frozen):
    frozen(2026, 1, 15)
    _covered_until(member, monthly, dates.LATEST_DATE - timedelta(days=10))
    response = receptionist_client.post(
        f"{MEMBERS}{member.pk}/renew", {"plan": monthly.pk, "method": "cash"}, format="json"
    )
    assert_out_of_range(response, "plan")
    assert Membership.objects.count() == 1 and not Payment.objects.exists()


def test_a_pause_past_the_horizon_is_refused_on_until(trainer_client, member, monthly, frozen):
    frozen(2026, 1, 15)
    membership = _covered_until(member, monthly, dates.LATEST_DATE - timedelta(days=5))
    response = trainer_client.post(
        f"{MEMBERS}{member.pk}/pause", {"from": "2026-01-20", "until": "2026-01-29"}, format="json"
    )
    assert_out_of_range(response, "until")
    membership.refresh_from_db()
    assert membership.expires_on == dates.LATEST_DATE - timedelta(days=5)
    assert not membership.pauses.exists()


def test_a_plan_change_past_the_horizon_is_refused_on_the_plan(admin_client, member, monthly, gym, frozen):
    frozen(2026, 1, 15)
    first = give_membership(member, monthly, method=None).membership
    stacked = _covered_until(member, monthly, dates.LATEST_DATE - timedelta(days=3))
    longer = PlanFactory(gym=gym, duration_count=3, duration_unit=DurationUnit.MONTH)
    response = admin_client.patch(f"{MEMBERSHIPS}{first.pk}", {"plan": longer.pk}, format="json")
    assert_out_of_range(response, "plan")
    first.refresh_from_db()
    stacked.refresh_from_db()
    assert first.plan_id == monthly.pk and stacked.expires_on == dates.LATEST_DATE - timedelta(days=3)


def test_a_pause_starts_within_a_year(trainer_client, member, gym, frozen):
    frozen(2026, 1, 15)
    give_membership(member, PlanFactory(gym=gym, duration_count=2, duration_unit=DurationUnit.YEAR))
    last = TODAY + timedelta(days=dates.MAX_PAUSE_AHEAD_DAYS)
    too_far = trainer_client.post(
        f"{MEMBERS}{member.pk}/pause",
        {"from": (last + timedelta(days=1)).isoformat(), "until": (last + timedelta(days=2)).isoformat()},
        format="json",
    )
    assert_out_of_range(too_far, "from")
    ok = trainer_client.post(
        f"{MEMBERS}{member.pk}/pause", {"from": last.isoformat(), "until": last.isoformat()}, format="json"
    )
    assert ok.status_code == 200, ok.content


# --- plans: at most ten years ---------------------------------------------------------------


def test_every_unit_has_a_longest_plan_of_about_ten_years():
    assert set(dates.MAX_PLAN_DURATION) == set(DurationUnit.values) == set(periods.UNITS)
    for unit, count in dates.MAX_PLAN_DURATION.items():
        days = periods.length_in_days(starts_on=date(2028, 2, 29), count=count, unit=unit)
        assert 3650 <= days <= 3662, (unit, days)


@pytest.mark.parametrize("unit", DurationUnit.values)
def test_a_plan_lasts_at_most_ten_years(admin_client, gym, unit):
    longest = dates.MAX_PLAN_DURATION[unit]
    body = {"gym": gym.pk, "price": "10.00", "duration_unit": unit}
    ok = admin_client.post(PLANS, {**body, "name": f"Long {unit}", "duration_count": longest}, format="json")
    assert ok.status_code == 201, ok.content
    too_long = admin_client.post(PLANS, {**body, "name": "Longer", "duration_count": longest + 1}, format="json")
    assert too_long.status_code == 400 and "duration_count" in too_long.json()["errors"]
    assert not Plan.objects.filter(name="Longer").exists()


def test_changing_a_plans_unit_keeps_it_within_ten_years(admin_client, gym):
    plan = PlanFactory(gym=gym, duration_count=120, duration_unit=DurationUnit.MONTH)
    response = admin_client.patch(f"{PLANS}{plan.pk}", {"duration_unit": "year"}, format="json")
    assert response.status_code == 400 and "duration_count" in response.json()["errors"]
    plan.refresh_from_db()
    assert plan.duration_unit == DurationUnit.MONTH


def test_a_plan_longer_than_the_calendar_is_refused_not_a_500(receptionist_client, member, gym, frozen):
    """A plan stored before durations were bounded (written directly here)."""
    frozen(2026, 1, 15)
    plan = PlanFactory(gym=gym, duration_count=32767, duration_unit=DurationUnit.YEAR)
    response = receptionist_client.post(
        f"{MEMBERS}{member.pk}/renew", {"plan": plan.pk, "method": "cash"}, format="json"
    )
    assert_out_of_range(response, "plan")


# --- the arithmetic at the bounds -------------------------------------------------------------


@pytest.mark.parametrize("unit", DurationUnit.values)
def test_the_longest_plan_from_the_latest_day_stays_in_the_calendar(unit):
    count = dates.MAX_PLAN_DURATION[unit]
    end = periods.period_end(starts_on=dates.LATEST_DATE, count=count, unit=unit)
    paused = end + timedelta(days=dates.MAX_PAUSE_DAYS)
    assert paused.year < 2300
    assert periods.next_start([Membership(pk=1, starts_on=dates.LATEST_DATE, expires_on=end)], dates.LATEST_DATE) == (
        end + periods.ONE_DAY
    )


def test_pause_and_timeline_arithmetic_at_the_earliest_day():
    new_until, given_back = periods.pause_resumed(
        paused_from=dates.EARLIEST_DATE, paused_until=dates.EARLIEST_DATE + timedelta(days=364), today=dates.EARLIEST_DATE
    )
    assert new_until == dates.EARLIEST_DATE - periods.ONE_DAY and given_back == 365


def test_reminder_windows_at_the_horizon_with_the_largest_setting(gym):
    gym.expiry_reminder_days = 32767  # the column's maximum (the API allows at most 90)
    assert expiry_reminder_candidates(gym=gym, today=dates.LATEST_DATE) == []
    assert expiry_reminder_candidates(gym=gym, today=dates.EARLIEST_DATE) == []


def test_local_day_bounds_at_both_ends_of_the_window(gym, other_gym):
    q = local_datetime_range_q([gym, other_gym], field="paid_at", date_from=dates.EARLIEST_DATE, date_to=dates.LATEST_DATE)
    assert list(Payment.objects.filter(q)) == []


# --- the payments summary and list ranges -----------------------------------------------------


def test_the_summary_reads_at_most_a_year(admin_client, gym):
    ok = admin_client.get(f"{PAYMENTS}summary", {"date_from": "2024-01-01", "date_to": "2024-12-31"})  # 366 days
    assert ok.status_code == 200, ok.content
    too_long = admin_client.get(f"{PAYMENTS}summary", {"date_from": "2024-01-01", "date_to": "2025-01-01"})
    assert too_long.status_code == 400
    assert too_long.json()["code"] == "range_too_long" and "date_from" in too_long.json()["errors"]
    # One end open: all the days on that side, as before.
    assert admin_client.get(f"{PAYMENTS}summary", {"date_from": "1900-01-01"}).status_code == 200


@pytest.mark.parametrize("url", [f"{PAYMENTS}summary", PAYMENTS])
def test_a_range_ending_before_it_starts_is_a_400_on_date_to(admin_client, gym, url):
    response = admin_client.get(url, {"date_from": "2026-02-02", "date_to": "2026-02-01"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_range" and "date_to" in response.json()["errors"]


def test_the_payment_list_reads_the_whole_window(admin_client, member, monthly, frozen):
    frozen(2026, 1, 15)
    give_membership(member, monthly, amount=Decimal("500.00"))
    response = admin_client.get(PAYMENTS, {"date_from": "1900-01-01", "date_to": "2199-12-31"})
    assert response.status_code == 200 and response.json()["count"] == 1
