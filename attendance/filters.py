from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from gymsite.core.dates import DateFilter, DateRangeFilterMixin
from gymsite.core.filters import GymScopedFilterSet, IdFilter

from .models import Attendance, AttendanceResult, AttendanceSource


class AttendanceFilter(DateRangeFilterMixin, GymScopedFilterSet):
    member = IdFilter(field_name="member_id", help_text=_("Member id."))
    date_from = DateFilter(
        field_name="local_date", lookup_expr="gte", help_text=_("First gym-local day.")
    )
    date_to = DateFilter(
        field_name="local_date", lookup_expr="lte", help_text=_("Last gym-local day.")
    )
    source = filters.ChoiceFilter(choices=AttendanceSource.choices)
    result = filters.ChoiceFilter(choices=AttendanceResult.choices)

    class Meta:
        model = Attendance
        fields = ["member", "gym", "date_from", "date_to", "source", "result"]
