from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from gymsite.accounts.scoping import request_gyms
from gymsite.core.dates import DateFilter, DateRangeFilterMixin
from gymsite.core.filters import BooleanFilter, GymScopedFilterSet, IdFilter

from .models import Membership, Payment, PaymentMethod, Plan
from .selectors import local_datetime_range_q, memberships_current_or_upcoming


class PlanFilter(GymScopedFilterSet):
    is_active = BooleanFilter()
    search = filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Plan
        fields = ["is_active", "search", "gym"]


class MembershipFilter(GymScopedFilterSet):
    member = IdFilter(field_name="member_id")
    plan = IdFilter(field_name="plan_id")
    active = BooleanFilter(
        method="filter_active",
        help_text=_("true: periods not cancelled that cover today or a later day (gym-local); false: the others."),
    )

    class Meta:
        model = Membership
        fields = ["member", "plan", "active", "gym"]

    def filter_active(self, queryset, name, value):
        return memberships_current_or_upcoming(queryset, request_gyms(self.request), value)


class PaymentFilter(DateRangeFilterMixin, GymScopedFilterSet):
    member = IdFilter(field_name="member_id")
    membership = IdFilter(field_name="membership_id")
    method = filters.ChoiceFilter(choices=PaymentMethod.choices)
    is_void = BooleanFilter()
    date_from = DateFilter(method="filter_dates", help_text=_("First day, in the gym's time zone."))
    date_to = DateFilter(method="filter_dates", help_text=_("Last day, in the gym's time zone."))

    class Meta:
        model = Payment
        fields = ["member", "membership", "method", "is_void", "date_from", "date_to", "gym"]

    def filter_dates(self, queryset, name, value):
        # Both bounds are applied together, once, when the first of them is seen.
        if getattr(self, "_dates_done", False):
            return queryset
        self._dates_done = True
        data = self.form.cleaned_data
        return queryset.filter(
            local_datetime_range_q(
                request_gyms(self.request),
                field="paid_at",
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
        )
