from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from gymsite.core.dates import DateFilter, DateRangeFilterMixin
from gymsite.core.filters import BooleanFilter, GymScopedFilterSet, IdFilter

from .models import Booking, BookingStatus, ClassSession, ClassType, ScheduleRule, SessionStatus

# A timetable page reads at most this many days at once.
MAX_TIMETABLE_DAYS = 366


class ClassTypeFilter(GymScopedFilterSet):
    is_active = BooleanFilter()

    class Meta:
        model = ClassType
        fields = ["is_active", "gym"]


class ScheduleRuleFilter(GymScopedFilterSet):
    class_type = IdFilter(field_name="class_type_id")
    instructor = IdFilter(field_name="instructor_id")
    weekday = filters.ChoiceFilter(choices=[(str(d), str(d)) for d in range(7)], help_text=_("0 = Monday … 6 = Sunday."))

    class Meta:
        model = ScheduleRule
        fields = ["class_type", "instructor", "weekday", "gym"]


class SessionFilter(DateRangeFilterMixin, GymScopedFilterSet):
    max_range_days = MAX_TIMETABLE_DAYS
    date_from = DateFilter(field_name="local_date", lookup_expr="gte", help_text=_("First day, in the gym's time zone."))
    date_to = DateFilter(field_name="local_date", lookup_expr="lte", help_text=_("Last day, in the gym's time zone."))
    class_type = IdFilter(field_name="class_type_id")
    instructor = IdFilter(field_name="instructor_id")
    status = filters.ChoiceFilter(choices=SessionStatus.choices)

    class Meta:
        model = ClassSession
        fields = ["date_from", "date_to", "class_type", "instructor", "status", "gym"]


class BookingFilter(DateRangeFilterMixin, GymScopedFilterSet):
    max_range_days = MAX_TIMETABLE_DAYS
    member = IdFilter(field_name="member_id")
    session = IdFilter(field_name="session_id")
    status = filters.MultipleChoiceFilter(choices=BookingStatus.choices)
    date_from = DateFilter(
        field_name="session__local_date", lookup_expr="gte", help_text=_("Sessions from this day (gym time).")
    )
    date_to = DateFilter(
        field_name="session__local_date", lookup_expr="lte", help_text=_("Sessions up to this day (gym time).")
    )

    class Meta:
        model = Booking
        fields = ["member", "session", "status", "date_from", "date_to", "gym"]
