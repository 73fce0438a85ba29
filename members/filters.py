from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework.filters import OrderingFilter

from gymsite.core.filters import BooleanFilter, GymScopedFilterSet, IdFilter

from .models import Gender, Member, MemberStatus
from .selectors import member_search, members_with_status


class MemberFilter(GymScopedFilterSet):
    search = filters.CharFilter(
        method="filter_search",
        help_text=_("Case-insensitive substring of first name, last name, phone, document ID or email."),
    )
    status = filters.ChoiceFilter(
        choices=MemberStatus.choices,
        method="filter_status",
        help_text=_("Status today in each member's gym time zone."),
    )
    plan = IdFilter(field_name="current_plan_id", help_text=_("Current plan id."))
    gender = filters.ChoiceFilter(choices=Gender.choices)
    is_active = BooleanFilter()

    class Meta:
        model = Member
        fields = ["search", "status", "plan", "gender", "is_active", "gym"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return member_search(queryset, value) if value else queryset

    def filter_status(self, queryset, name, value):
        return members_with_status(queryset, value)


class MemberOrderingFilter(OrderingFilter):
    """?ordering=last_name|created_at|expires_on|last_visit_at (with "-" for descending).
    Empty dates sort last either way on every database, and id breaks ties so pages are
    stable."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        terms = []
        for term in ordering:
            descending = term.startswith("-")
            expression = F(term.lstrip("-"))
            terms.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True))
        if "last_name" in {t.lstrip("-") for t in ordering}:
            terms.append(F("first_name").asc())
        terms.append(F("id").asc())
        return terms
