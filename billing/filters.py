from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from gymsite.accounts.models import Gym
from gymsite.core.scoping import parse_gym_param

from .models import Membership, Payment, PaymentMethod, Plan
from .selectors import local_datetime_range_q, memberships_current_or_upcoming


def visible_gyms(request):
    """The gyms whose rows the user sees (admins: all, or the ?gym= one)."""
    user = request.user
    gym_id = parse_gym_param(request.query_params.get("gym"))
    if user.is_admin:
        gyms = Gym.objects.all()
        return list(gyms.filter(pk=gym_id) if gym_id else gyms)
    return [user.gym] if user.gym_id and (not gym_id or gym_id == user.gym_id) else []


class GymParamFilterSet(filters.FilterSet):
    # Applied by GymScopedMixin (admins narrow to one gym); declared here for the schema.
    gym = filters.NumberFilter(method="filter_noop", help_text=_("Gym id (admins)."))

    def filter_noop(self, queryset, name, value):
        return queryset


class PlanFilter(GymParamFilterSet):
    is_active = filters.BooleanFilter()
    search = filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Plan
        fields = ["is_active", "search", "gym"]


class MembershipFilter(GymParamFilterSet):
    member = filters.NumberFilter(field_name="member_id")
    plan = filters.NumberFilter(field_name="plan_id")
    active = filters.BooleanFilter(
        method="filter_active",
        help_text=_("true: periods not cancelled that cover today or a later day (gym-local); false: the others."),
    )

    class Meta:
        model = Membership
        fields = ["member", "plan", "active", "gym"]

    def filter_active(self, queryset, name, value):
        return memberships_current_or_upcoming(queryset, visible_gyms(self.request), value)


class PaymentFilter(GymParamFilterSet):
    member = filters.NumberFilter(field_name="member_id")
    membership = filters.NumberFilter(field_name="membership_id")
    method = filters.ChoiceFilter(choices=PaymentMethod.choices)
    is_void = filters.BooleanFilter()
    date_from = filters.DateFilter(method="filter_dates", help_text=_("First day, in the gym's time zone."))
    date_to = filters.DateFilter(method="filter_dates", help_text=_("Last day, in the gym's time zone."))

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
                visible_gyms(self.request),
                field="paid_at",
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
        )
