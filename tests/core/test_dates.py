"""gymsite/core/dates.py: the bounded fields and filters at their exact bounds, the range
check, and the gym settings that feed date arithmetic."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from rest_framework import serializers

from gymsite.accounts.models import Gym
from gymsite.core import dates
from gymsite.core.errors import Invalid


def _codes(field, value) -> list[str]:
    try:
        field.run_validation(value)
    except serializers.ValidationError as exc:
        return [detail.code for detail in exc.detail]
    return []


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1900-01-01", True),
        ("2199-12-31", True),
        ("1899-12-31", False),
        ("2200-01-01", False),
        ("0001-01-01", False),
        ("9999-12-31", False),
    ],
)
def test_the_date_field_holds_the_window(value, ok):
    assert _codes(dates.BoundedDateField(), value) == ([] if ok else [dates.OUT_OF_RANGE])


def test_a_date_field_may_be_tighter():
    field = dates.BoundedDateField(min_date=date(2026, 1, 1), max_date=date(2026, 12, 31))
    assert _codes(field, "2026-06-01") == []
    assert _codes(field, "2025-12-31") == [dates.OUT_OF_RANGE]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2000-01-01T00:00:00Z", True),
        ("2000-01-01T00:00:00-05:00", True),
        ("2199-12-31T23:59:59Z", True),
        ("2199-12-31T23:59:59+14:00", True),
        ("1999-12-31T23:59:59Z", False),
        ("2000-01-01T00:00:00+14:00", False),  # 1999-12-31T10:00Z
        ("2199-12-31T23:59:59-00:01", False),  # 2200-01-01T00:00:59Z
        ("0001-01-01T00:00:00Z", False),
        ("0001-01-01T00:00:00+14:00", False),  # before year 1 in UTC: DRF's "overflow"
        ("9999-12-31T23:59:59-14:00", False),  # after year 9999 in UTC
        ("9999-12-31T23:59:59", False),
    ],
)
def test_the_datetime_field_holds_the_window_whatever_the_offset(value, ok):
    codes = _codes(dates.BoundedDateTimeField(), value)
    assert (not codes) if ok else codes in ([dates.OUT_OF_RANGE], ["overflow"])


@pytest.mark.parametrize(
    ("field", "inside", "outside"),
    [
        (dates.BoundedDateFormField(), "2199-12-31", "2200-01-01"),
        (dates.BoundedIsoDateTimeFormField(), "2000-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00"),
    ],
)
def test_the_filter_fields_hold_the_window(field, inside, outside):
    assert field.clean(inside)
    with pytest.raises(ValidationError) as caught:
        field.clean(outside)
    assert caught.value.code == dates.OUT_OF_RANGE


def test_the_window_compares_instants_without_overflow():
    assert not dates.datetime_in_window(datetime(1, 1, 1, tzinfo=UTC))
    assert not dates.datetime_in_window(datetime.max.replace(tzinfo=UTC))
    assert dates.datetime_in_window(datetime(2026, 1, 1))  # naive: read as UTC


@pytest.mark.parametrize(
    ("date_from", "date_to", "max_days", "code", "field"),
    [
        (date(2026, 1, 2), date(2026, 1, 1), None, "invalid_range", "date_to"),
        (date(2026, 1, 1), date(2026, 1, 3), 2, "range_too_long", "date_from"),
    ],
)
def test_a_range_check_names_the_field(date_from, date_to, max_days, code, field):
    with pytest.raises(Invalid) as caught:
        dates.check_date_range(date_from, date_to, max_days=max_days)
    assert caught.value.code == code and field in caught.value.errors


def test_a_range_of_exactly_max_days_or_open_is_fine():
    dates.check_date_range(date(2024, 1, 1), date(2024, 12, 31), max_days=366)
    dates.check_date_range(None, date(2024, 12, 31), max_days=1)
    dates.check_date_range(date(2024, 1, 1), None, max_days=1)


def test_no_limit_reaches_out_of_the_calendar():
    furthest = dates.LATEST_DATE + timedelta(
        days=366 * dates.MAX_PLAN_YEARS + dates.MAX_PAUSE_DAYS + dates.MAX_EXPIRY_REMINDER_DAYS
    )
    earliest = dates.EARLIEST_DATE - timedelta(days=dates.MAX_BACKDATE_DAYS + dates.MAX_STATS_DAYS)
    assert furthest.year < 2300 and earliest.year > 1800


# --- gym settings -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "largest"),
    [("expiry_reminder_days", dates.MAX_EXPIRY_REMINDER_DAYS), ("default_stay_minutes", dates.MAX_DEFAULT_STAY_MINUTES)],
)
def test_gym_settings_that_feed_date_arithmetic_are_bounded(admin_client, field, largest):
    ok = admin_client.post("/api/v1/gyms/", {"name": "Ok", field: largest}, format="json")
    assert ok.status_code == 201, ok.content
    too_big = admin_client.post("/api/v1/gyms/", {"name": "Big", field: largest + 1}, format="json")
    assert too_big.status_code == 400 and field in too_big.json()["errors"]
    changed = admin_client.patch(f"/api/v1/gyms/{ok.json()['id']}", {field: largest + 1}, format="json")
    assert changed.status_code == 400
    assert getattr(Gym.objects.get(name="Ok"), field) == largest
    assert not Gym.objects.filter(name="Big").exists()


@pytest.mark.django_db
def test_the_audit_range_ends_on_or_after_it_starts(admin_client):
    response = admin_client.get(
        "/api/v1/audit/", {"date_from": "2030-01-02T00:00:00Z", "date_to": "2030-01-01T00:00:00Z"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_range" and "date_to" in response.json()["errors"]
    whole = admin_client.get("/api/v1/audit/", {"date_from": "2000-01-01T00:00:00Z", "date_to": "2199-12-31T23:59:59Z"})
    assert whole.status_code == 200
