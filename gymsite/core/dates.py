"""The dates and times the API accepts, in one place (README, "Dates and their limits").

Every date and datetime that comes in, in a body or a query, is read by a field of this
module: a value outside the window a gym could ever mean is a 400 on that field, so no
date arithmetic behind it (periods, pauses, renewals, reminders, statistics, summaries,
the conversion to a gym's time zone) can overflow. On top of the window, the services
apply the limits that depend on the gym's today (how far back a membership may start, how
far ahead a pause, how old a visit staff may enter), and the views the longest range each
report reads. All those numbers are here.

Why the arithmetic stays in range: every stored membership date is at most LATEST_DATE
(a write that would end a period later is refused), a plan lasts at most
MAX_PLAN_YEARS, a pause at most MAX_PAUSE_DAYS, and no setting adds more than a few
months: the furthest any computation reaches is a few decades past LATEST_DATE, far
from year 9999; the earliest, a few weeks before EARLIEST_DATE, far from year 1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers

from .errors import Invalid

# --- The window: any date or datetime the API accepts --------------------------------------

# Birth dates and history go back to 1900; nothing a gym plans reaches past 2199.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
# Moments (check-ins, audit events): this century and the next two.
EARLIEST_DATETIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_DATETIME = datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)

# --- Limits that depend on the gym's today (checked by the services) -------------------------

# A membership's chosen start: at most this many days before the gym's today (backdating)...
MAX_BACKDATE_DAYS = 366
# ... and at most this many days after it (a renewal stacked after prepaid periods may
# start later: only the end of every period is bounded, by LATEST_DATE).
MAX_ADVANCE_DAYS = 366
# A pause starts today or later, at most this many days ahead, and lasts at most
# MAX_PAUSE_DAYS days.
MAX_PAUSE_AHEAD_DAYS = 366
MAX_PAUSE_DAYS = 365
# A check-in or check-out time that staff give (a visit entered or corrected after the
# fact, a back-dated check-out) is at most this many days old.
MAX_ENTRY_AGE_DAYS = 366

# --- The longest range of dates each report reads (date_from..date_to, both included) ---------

MAX_STATS_DAYS = 366  # GET /attendance/stats (one row per day)
MAX_SUMMARY_DAYS = 366  # GET /payments/summary, when both ends are given
# The lists (payments, attendance, audit) are paginated: any range within the window.

# --- Settings that feed the arithmetic --------------------------------------------------------

# A plan lasts at most ten years, whatever its unit.
MAX_PLAN_YEARS = 10
MAX_PLAN_DURATION = {"day": 3660, "week": 522, "month": 12 * MAX_PLAN_YEARS, "year": MAX_PLAN_YEARS}
# Gym settings (the gym serializer): the days before an expiry a reminder goes out, and the
# minutes a member who never checks out is assumed to stay.
MAX_EXPIRY_REMINDER_DAYS = 90
MAX_DEFAULT_STAY_MINUTES = 24 * 60

OUT_OF_RANGE = "date_out_of_range"


def _aware(moment: datetime) -> datetime:
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def date_in_window(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


def datetime_in_window(moment: datetime) -> bool:
    """Compared as instants, whatever the offset (comparing never overflows, converting a
    moment near year 1 or 9999 to another zone would)."""
    return EARLIEST_DATETIME <= _aware(moment) <= LATEST_DATETIME


def _bounds_text(first, last) -> dict[str, str]:
    def text(value):
        return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value.isoformat()

    return {"min": text(first), "max": text(last)}


def date_window_message(first: date = EARLIEST_DATE, last: date = LATEST_DATE) -> str:
    return _("Use a date from %(min)s to %(max)s.") % _bounds_text(first, last)


def datetime_window_message() -> str:
    return _("Use a time from %(min)s to %(max)s.") % _bounds_text(EARLIEST_DATETIME, LATEST_DATETIME)


def out_of_range(field: str, message) -> Invalid:
    """The 400 of a service whose date limit (one that depends on the gym's today) said no."""
    return Invalid(message, OUT_OF_RANGE, errors={field: [message]})


def check_date_range(date_from, date_to, *, max_days: int | None = None) -> None:
    """A range of dates (or datetimes) read by one endpoint: date_to on or after date_from
    (400 `invalid_range` on date_to) and, with `max_days`, at most that many days, both
    ends included (400 `range_too_long` on date_from). A missing end is open."""
    if date_from is None or date_to is None:
        return
    if date_to < date_from:
        message = _("date_to cannot be before date_from.")
        raise Invalid(message, "invalid_range", errors={"date_to": [message]})
    if max_days is not None and (date_to - date_from).days + 1 > max_days:
        message = _("Ask for at most %(days)d days.") % {"days": max_days}
        raise Invalid(message, "range_too_long", errors={"date_from": [message]})


# --- DRF fields -----------------------------------------------------------------------------


class BoundedDateField(serializers.DateField):
    """A date within EARLIEST_DATE..LATEST_DATE (or tighter bounds given), else a 400 on the
    field with code `date_out_of_range`."""

    def __init__(self, *, min_date: date = EARLIEST_DATE, max_date: date = LATEST_DATE, **kwargs):
        self.min_date, self.max_date = min_date, max_date
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not self.min_date <= day <= self.max_date:
            raise serializers.ValidationError(date_window_message(self.min_date, self.max_date), code=OUT_OF_RANGE)
        return day


class BoundedDateTimeField(serializers.DateTimeField):
    """A moment within EARLIEST_DATETIME..LATEST_DATETIME, whatever its offset, else a 400 on
    the field with code `date_out_of_range` (DRF's own `overflow` when the offset takes it
    out of the calendar altogether)."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if not datetime_in_window(moment):
            raise serializers.ValidationError(datetime_window_message(), code=OUT_OF_RANGE)
        return moment


class BoundedDatesMixin:
    """For a ModelSerializer: the date and datetime fields it builds from the model are the
    bounded ones."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: BoundedDateField,
        models.DateTimeField: BoundedDateTimeField,
    }


# --- django-filter --------------------------------------------------------------------------


class BoundedDateFormField(forms.DateField):
    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not date_in_window(day):
            raise ValidationError(date_window_message(), code=OUT_OF_RANGE)
        return day


class BoundedIsoDateTimeFormField(IsoDateTimeField):
    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None and not datetime_in_window(moment):
            raise ValidationError(datetime_window_message(), code=OUT_OF_RANGE)
        return moment


class DateFilter(filters.DateFilter):
    """`?date_from=` and the like: a date within the window, else a 400 on the parameter."""

    field_class = BoundedDateFormField


class IsoDateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 moment within the window, else a 400 on the parameter."""

    field_class = BoundedIsoDateTimeFormField


class DateRangeFilterMixin:
    """For a FilterSet with `date_from` and `date_to`: date_to on or after date_from, and at
    most `max_range_days` days when set (see `check_date_range`)."""

    max_range_days: int | None = None

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        check_date_range(data.get("date_from"), data.get("date_to"), max_days=self.max_range_days)
        return super().filter_queryset(queryset)
