"""Gym time in the admin: every time an owner reads is the gym's, and the date filters cut
days where the times shown say they begin.

- Each admin request runs in a zone (`admin_clock`, entered by `GymAdminSite` for every
  admin view): the staff user's gym's; for an admin of no gym, the zone all gyms share;
  when gyms differ, the server's (`TIME_ZONE`, UTC), which every time then names.
- A time in a list is shown in its row's gym zone (`gym_time`): `<time class="gym-time">`,
  with the zone's abbreviation (`<abbr class="gym-time-zone">`) where the gyms' zones
  differ or the row's zone is not the page's. A row's own page (`changeform_view`) runs in
  the row's gym zone, which the page header names.
- Drill-downs and date filters on a time use each gym's midnight (`per_zone_q`): a row
  filed under a day shows a time on that day. `date_hierarchy` on a DateTimeField goes
  through `GymTimeChangeList` (and the `gym_date_hierarchy` tag); `GymDayFilter` is the
  per-gym "today / past 7 days / this month / this year".

A ModelAdmin opts in with `GymTimeAdminMixin` (before `admin.ModelAdmin`), names the path
to its rows' gym (`gym_field`) and the times its list shows (`gym_time_fields`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.db.models import Q
from django.template.response import SimpleTemplateResponse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from gymsite.core.localtime import local_midnight, local_today

from .models import Gym

EMPTY = "-"


# --- the request's clock ----------------------------------------------------------------


@dataclass(frozen=True)
class AdminClock:
    """The zone a page runs in, and the zones of the gyms its rows may belong to."""

    zone: ZoneInfo
    gym_zones: frozenset[str]
    gym_count: int = 0

    @property
    def gyms_differ(self) -> bool:
        return len(self.gym_zones) > 1

    def names(self, zone: ZoneInfo) -> bool:
        """Whether a time in `zone` must name its zone on this page."""
        return self.gyms_differ or zone.key != self.zone.key


_clock: ContextVar[AdminClock | None] = ContextVar("gymsite_admin_clock", default=None)


def gym_zones() -> frozenset[str]:
    return frozenset(Gym.objects.order_by().values_list("time_zone", flat=True).distinct())


def gym_count() -> int:
    """How many gyms the admin shows (all: the admin role sees every gym)."""
    clock = _clock.get()
    return clock.gym_count if clock is not None else Gym.objects.count()


def staff_zone(user, zones: frozenset[str]) -> ZoneInfo:
    """The zone of `user`'s pages: their gym's; for an admin of no gym the zone every gym
    shares, else the server's."""
    gym_id = getattr(user, "gym_id", None) if getattr(user, "is_authenticated", False) else None
    if gym_id is not None:
        return user.gym.tz
    if len(zones) == 1:
        return ZoneInfo(next(iter(zones)))
    return ZoneInfo(settings.TIME_ZONE)


def current_clock() -> AdminClock:
    """The admin request's clock; outside one, the active zone and no gym zones known."""
    clock = _clock.get()
    if clock is None:
        zone = timezone.get_current_timezone()
        clock = AdminClock(zone=zone if isinstance(zone, ZoneInfo) else ZoneInfo("UTC"), gym_zones=frozenset())
    return clock


def render_now(response) -> None:
    """Render a template response inside the zone it was built in (Django renders it after
    the view returns, when an override would be over)."""
    if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
        response.render()


@contextmanager
def admin_clock(request) -> Iterator[AdminClock]:
    """Run an admin request in the staff user's zone (see the module docstring)."""
    zones = list(Gym.objects.order_by().values_list("time_zone", flat=True))
    clock = AdminClock(zone=staff_zone(request.user, set(zones)), gym_zones=frozenset(zones), gym_count=len(zones))
    token = _clock.set(clock)
    try:
        with timezone.override(clock.zone):
            yield clock
    finally:
        _clock.reset(token)


@contextmanager
def row_clock(zone: ZoneInfo) -> Iterator[None]:
    """Run one row's page in the row's gym zone."""
    clock = current_clock()
    token = _clock.set(AdminClock(zone=zone, gym_zones=clock.gym_zones, gym_count=clock.gym_count))
    try:
        with timezone.override(zone):
            yield
    finally:
        _clock.reset(token)


def zone_label(zone: ZoneInfo, when: datetime | None = None) -> str:
    """"America/Mexico_City (CST)": the zone and its abbreviation at `when` (now)."""
    abbreviation = (when or timezone.now()).astimezone(zone).tzname()
    return f"{zone.key} ({abbreviation})" if abbreviation and abbreviation != zone.key else zone.key


# --- showing a time -----------------------------------------------------------------------


def gym_time(
    value: datetime | None, gym: Gym | None = None, *, format_name: str = "SHORT_DATETIME_FORMAT"
) -> SafeString | str:
    """`value` in `gym`'s zone (the page's zone without a gym), in the page's language,
    naming the zone where the page's clock says it must."""
    if value is None:
        return EMPTY
    clock = current_clock()
    zone = gym.tz if gym is not None else clock.zone
    local = timezone.localtime(value, zone)
    text = formats.date_format(local, format_name)
    if not clock.names(zone):
        return format_html(
            '<time class="gym-time" datetime="{}" data-time-zone="{}">{}</time>',
            local.isoformat(), zone.key, text,
        )
    return format_html(
        '<time class="gym-time" datetime="{}" data-time-zone="{}">{} '
        '<abbr class="gym-time-zone" title="{}">{}</abbr></time>',
        local.isoformat(), zone.key, text, zone.key, local.tzname(),
    )


def short_date(value: date | None) -> str:
    """A date in a list column: short, in the page's language."""
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else EMPTY


def row_gym(obj, gym_field: str | None) -> Gym | None:
    """The gym at the end of `gym_field` ("membership__gym"; "" for a gym itself), or None."""
    if gym_field is None:
        return None
    for name in filter(None, gym_field.split("__")):
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


# --- days cut at each gym's midnight ------------------------------------------------------


def per_zone_q(
    build: Callable[[ZoneInfo], Q], *, gym_field: str, zones, rows_without_gym: ZoneInfo | None = None
) -> Q:
    """`build(zone)` for the rows of the gyms in each zone (one OR branch per zone, as
    `gymtime.per_gym_today_q`); rows with no gym get `rows_without_gym`'s, when given."""
    q = Q(pk__in=[])
    for name in sorted(zones):
        q |= Q(**{_gym_path(gym_field, "time_zone"): name}) & build(ZoneInfo(name))
    if rows_without_gym is not None:
        q |= Q(**{f"{gym_field}__isnull": True}) & build(rows_without_gym)
    return q


def _gym_path(gym_field: str, lookup: str) -> str:
    return f"{gym_field}__{lookup}" if gym_field else lookup


def _is_datetime(model, field_path: str) -> bool:
    return isinstance(get_fields_from_path(model, field_path)[-1], models.DateTimeField)


def _gym_nullable(model, gym_field: str) -> bool:
    return bool(gym_field) and any(field.null for field in get_fields_from_path(model, gym_field))


def local_days_q(model, field_path: str, gym_field: str, first: Callable[[date], date], end: Callable[[date], date]):
    """Rows whose `field_path` falls, in their gym's zone, on the days from `first(today)` up
    to (not including) `end(today)`, with each gym's today."""
    is_datetime = _is_datetime(model, field_path)

    def build(zone: ZoneInfo) -> Q:
        today = local_today(zone)
        start, stop = first(today), end(today)
        if is_datetime:
            start, stop = local_midnight(start, zone), local_midnight(stop, zone)
        return Q(**{f"{field_path}__gte": start, f"{field_path}__lt": stop})

    return rows_zone_q(model, gym_field, build)


def rows_zone_q(model, gym_field: str | None, build: Callable[[ZoneInfo], Q]) -> Q:
    """`build(zone)` for each row of `model` with its gym's zone (rows with no gym, or a
    model with no gym, take the page's)."""
    clock = current_clock()
    if gym_field is None:
        return build(clock.zone)
    return per_zone_q(
        build,
        gym_field=gym_field,
        zones=clock.gym_zones or gym_zones(),
        rows_without_gym=clock.zone if _gym_nullable(model, gym_field) else None,
    )


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


# (parameter value, label, first day, day after the last), each from the gym's today.
GYM_DAY_PERIODS = (
    ("today", _("Today"), lambda t: t, lambda t: t + timedelta(days=1)),
    ("past_7_days", _("Past 7 days"), lambda t: t - timedelta(days=6), lambda t: t + timedelta(days=1)),
    ("this_month", _("This month"), lambda t: t.replace(day=1), _next_month),
    ("this_year", _("This year"), lambda t: t.replace(month=1, day=1), lambda t: date(t.year + 1, 1, 1)),
)


class GymDayFilter(admin.FieldListFilter):
    """Like Django's date filter, with each gym's today: `("paid_at", GymDayFilter)` in
    `list_filter` of a `GymTimeAdminMixin` admin. Works on a time and on a gym-local date."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.parameter_name = f"{field_path}__gym_day"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.model = model
        self.gym_field = model_admin.gym_field

    def expected_parameters(self):
        return [self.parameter_name]

    def value(self) -> str | None:
        values = self.used_parameters.get(self.parameter_name)
        return values[-1] if values else None

    def period_q(self, first, end) -> Q:
        return local_days_q(self.model, self.field_path, self.gym_field, first, end)

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {
            f"{i}__c": models.Count(pk_attname, filter=self.period_q(first, end))
            for i, (_key, _label, first, end) in enumerate(GYM_DAY_PERIODS)
        }

    def choices(self, changelist):
        current = self.value()
        counts = self.get_facet_queryset(changelist) if changelist.add_facets else None
        yield {
            "selected": current is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Any date"),
        }
        for i, (key, label, _first, _end) in enumerate(GYM_DAY_PERIODS):
            yield {
                "selected": current == key,
                "query_string": changelist.get_query_string({self.parameter_name: key}),
                "display": f"{label} ({counts[f'{i}__c']})" if counts else label,
            }

    def queryset(self, request, queryset):
        current = self.value()
        if current is None:
            return queryset
        for key, _label, first, end in GYM_DAY_PERIODS:
            if key == current:
                return queryset.filter(self.period_q(first, end))
        raise IncorrectLookupParameters(f"unknown period {current!r}")


class GymTimeChangeList(ChangeList):
    """A changelist whose `date_hierarchy` on a time drills down by each gym's days: the
    year, month or day chosen is cut at each gym's own midnight, not the page's."""

    def get_filters(self, request):
        specs, has_filters, lookup_params, duplicates, active = super().get_filters(request)
        field = self.date_hierarchy
        self.gym_time_bounds = None
        if f"{field}__year" in self.params:
            start = lookup_params.pop(f"{field}__gte")
            stop = lookup_params.pop(f"{field}__lt")
            # Django made them aware in the page's zone: the same wall-clock days, per gym.
            start, stop = (v[-1] if isinstance(v, list) else v for v in (start, stop))
            self.gym_time_bounds = (timezone.make_naive(start), timezone.make_naive(stop))
        return specs, has_filters, lookup_params, duplicates, active

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if self.gym_time_bounds is None:
            return queryset
        start, stop = self.gym_time_bounds
        field = self.date_hierarchy

        def build(zone: ZoneInfo) -> Q:
            return Q(**{
                f"{field}__gte": timezone.make_aware(start, zone),
                f"{field}__lt": timezone.make_aware(stop, zone),
            })

        return queryset.filter(self.model_admin.per_gym_q(build))

    @property
    def gym_date_hierarchy(self) -> bool:
        return True


class LocalDates:
    """What Django's `date_hierarchy` tag asks of `cl.queryset`, answered with each row's
    date in its gym's zone (naive local datetimes, one query per zone)."""

    def __init__(self, changelist: GymTimeChangeList):
        self.changelist = changelist
        self.model_admin = changelist.model_admin

    def _per_zone(self):
        clock = current_clock()
        queryset, gym_field = self.changelist.queryset, self.model_admin.gym_field
        for name in sorted(clock.gym_zones or gym_zones()):
            yield queryset.filter(**{_gym_path(gym_field, "time_zone"): name}), ZoneInfo(name)
        if _gym_nullable(self.changelist.model, gym_field):
            yield queryset.filter(**{f"{gym_field}__isnull": True}), clock.zone

    def datetimes(self, field_name: str, kind: str) -> list[datetime]:
        found = set()
        for queryset, zone in self._per_zone():
            found.update(moment.replace(tzinfo=None) for moment in queryset.datetimes(field_name, kind, tzinfo=zone))
        return sorted(found)

    def aggregate(self, *, first, last) -> dict[str, datetime | None]:
        """The first and last moments (`first=Min(field)`, `last=Max(field)`), local."""
        lows, highs = [], []
        for queryset, zone in self._per_zone():
            found = queryset.aggregate(first=first, last=last)
            if found["first"] is not None:
                lows.append(timezone.localtime(found["first"], zone).replace(tzinfo=None))
                highs.append(timezone.localtime(found["last"], zone).replace(tzinfo=None))
        return {"first": min(lows, default=None), "last": max(highs, default=None)}


class _LocalDatesChangeList:
    def __init__(self, changelist):
        self._changelist = changelist
        self.queryset = LocalDates(changelist)

    def __getattr__(self, name):
        return getattr(self._changelist, name)


def local_date_hierarchy(changelist):
    """Django's date_hierarchy context, with the rows' dates in their gyms' zones."""
    from django.contrib.admin.templatetags.admin_list import date_hierarchy

    return date_hierarchy(_LocalDatesChangeList(changelist))


# --- the ModelAdmin side ------------------------------------------------------------------


def _time_column(field: models.DateTimeField, gym_field: str | None):
    def column(obj):
        return gym_time(getattr(obj, field.name), row_gym(obj, gym_field))

    column.__name__ = field.name
    column.short_description = field.verbose_name
    column.admin_order_field = field.name
    return column


class GymTimeAdminMixin:
    """Times in the rows' gym zones (see the module docstring). Mix in before
    `admin.ModelAdmin`."""

    # The path from the model to its gym ("membership__gym"; "" for gyms themselves);
    # None: the page's zone.
    gym_field: str | None = "gym"
    # The times shown in the list as `gym_time` columns (names in list_display).
    gym_time_fields: tuple[str, ...] = ()
    # The list's gym column, left out while there is one gym (room on a laptop's screen).
    gym_column: str | None = "gym"

    def per_gym_q(self, build: Callable[[ZoneInfo], Q]) -> Q:
        return rows_zone_q(self.model, self.gym_field, build)

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        self.gym_time_columns = {
            name: _time_column(model._meta.get_field(name), self.gym_field) for name in self.gym_time_fields
        }

    def gym_time(self, obj, field_name: str, **kwargs):
        return gym_time(getattr(obj, field_name), row_gym(obj, self.gym_field), **kwargs)

    def get_list_display(self, request):
        names = super().get_list_display(request)
        if self.gym_column and gym_count() <= 1:
            names = [name for name in names if name != self.gym_column]
        return [self.gym_time_columns.get(name, name) for name in names]

    def get_changelist(self, request, **kwargs):
        if self.date_hierarchy and self.gym_field is not None and _is_datetime(self.model, self.date_hierarchy):
            return GymTimeChangeList
        return super().get_changelist(request, **kwargs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        gym = None
        if object_id is not None and self.gym_field is not None:
            obj = self.get_object(request, unquote(object_id))
            gym = row_gym(obj, self.gym_field) if obj is not None else None
        if gym is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with row_clock(gym.tz):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            render_now(response)
        return response
