from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from gymsite.core.dates import DateFilter, DateRangeFilterMixin
from gymsite.core.filters import BooleanFilter, FilterSet, GymScopedFilterSet, IdFilter

from .models import Answer, Checklist, Inspection, InspectionStatus, Question, QuestionType


class ChecklistFilter(GymScopedFilterSet):
    active_only = BooleanFilter(method="filter_active_only", help_text=_("Only active checklists."))
    is_active = BooleanFilter()
    search = filters.CharFilter(field_name="name", lookup_expr="icontains", help_text=_("Part of the name."))

    class Meta:
        model = Checklist
        fields = ["active_only", "is_active", "search", "gym"]

    def filter_active_only(self, queryset, name, value):
        return queryset.filter(is_active=True) if value else queryset


class InspectionFilter(DateRangeFilterMixin, GymScopedFilterSet):
    vehicle_plate = filters.CharFilter(method="filter_plate", help_text=_("The plate (any case, spaces ignored)."))
    asset = filters.CharFilter(field_name="asset", lookup_expr="icontains", help_text=_("Part of the asset's name."))
    status = filters.ChoiceFilter(choices=InspectionStatus.choices)
    show_inactive = BooleanFilter(method="filter_show_inactive", help_text=_("Include inactive inspections."))
    checklist = IdFilter(field_name="checklist_id")
    mechanic = IdFilter(field_name="mechanic_id")
    flagged = BooleanFilter(method="filter_flagged", help_text=_("Only those with (or without) flagged items."))
    date_from = DateFilter(field_name="local_date", lookup_expr="gte", help_text=_("First day started, gym time."))
    date_to = DateFilter(field_name="local_date", lookup_expr="lte", help_text=_("Last day started, gym time."))

    class Meta:
        model = Inspection
        fields = [
            "vehicle_plate", "asset", "status", "show_inactive", "checklist", "mechanic", "flagged",
            "date_from", "date_to", "gym",
        ]

    def filter_plate(self, queryset, name, value):
        return queryset.filter(vehicle_plate__iexact="".join(value.split()).upper()) if value.strip() else queryset

    def filter_show_inactive(self, queryset, name, value):
        return queryset

    def filter_flagged(self, queryset, name, value):
        return queryset.filter(flagged_items_count__gt=0) if value else queryset.filter(flagged_items_count=0)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        # Inactive inspections are out of the list unless asked for (by the flag or the status).
        if not data.get("show_inactive") and data.get("status") != InspectionStatus.INACTIVE:
            queryset = queryset.exclude(status=InspectionStatus.INACTIVE)
        return queryset


class QuestionFilter(FilterSet):
    checklist = IdFilter(field_name="checklist_id")
    type = filters.ChoiceFilter(choices=QuestionType.choices)
    section = filters.CharFilter(field_name="section", lookup_expr="iexact")

    class Meta:
        model = Question
        fields = ["checklist", "type", "section"]


class AnswerFilter(FilterSet):
    inspection = IdFilter(field_name="inspection_id")
    question = IdFilter(field_name="question_id")
    is_flagged = BooleanFilter()

    class Meta:
        model = Answer
        fields = ["inspection", "question", "is_flagged"]
