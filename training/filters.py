from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from gymsite.core.dates import DateFilter, DateRangeFilterMixin
from gymsite.core.filters import BooleanFilter, GymScopedFilterSet, IdFilter

from .models import (
    Equipment,
    Exercise,
    ExerciseCategory,
    Measurement,
    MuscleGroup,
    Routine,
    WorkoutLog,
)


class MeasurementFilter(DateRangeFilterMixin, GymScopedFilterSet):
    member = IdFilter(field_name="member_id")
    date_from = DateFilter(field_name="local_date", lookup_expr="gte", help_text=_("First day, in the gym's time zone."))
    date_to = DateFilter(field_name="local_date", lookup_expr="lte", help_text=_("Last day, in the gym's time zone."))

    class Meta:
        model = Measurement
        fields = ["member", "date_from", "date_to", "gym"]


class ExerciseFilter(GymScopedFilterSet):
    search = filters.CharFilter(method="filter_search", max_length=120, help_text=_("Part of the name or the description."))
    category = filters.ChoiceFilter(choices=ExerciseCategory.choices)
    equipment = filters.ChoiceFilter(choices=Equipment.choices)
    muscle_group = filters.ChoiceFilter(choices=MuscleGroup.choices, method="filter_muscle_group")
    is_active = BooleanFilter()
    is_global = BooleanFilter(field_name="gym", lookup_expr="isnull", help_text=_("Only global (true) or only the gym's own (false)."))

    class Meta:
        model = Exercise
        fields = ["search", "category", "equipment", "muscle_group", "is_active", "is_global", "gym"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def filter_muscle_group(self, queryset, name, value):
        # The JSON list's text holds each value in quotes: `"chest"` matches chest, not
        # a longer name that contains it. Works the same on SQLite and PostgreSQL.
        return queryset.filter(muscle_groups__icontains=f'"{value}"')


class RoutineFilter(GymScopedFilterSet):
    search = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=120)
    member = IdFilter(field_name="member_id")
    is_template = BooleanFilter(field_name="member", lookup_expr="isnull", help_text=_("Templates (true) or members' copies (false)."))
    is_active = BooleanFilter()

    class Meta:
        model = Routine
        fields = ["search", "member", "is_template", "is_active", "gym"]


class WorkoutFilter(DateRangeFilterMixin, GymScopedFilterSet):
    member = IdFilter(field_name="member_id")
    routine = IdFilter(field_name="routine_id")
    exercise = IdFilter(field_name="sets__exercise_id", distinct=True)
    date_from = DateFilter(field_name="local_date", lookup_expr="gte", help_text=_("First day, in the gym's time zone."))
    date_to = DateFilter(field_name="local_date", lookup_expr="lte", help_text=_("Last day, in the gym's time zone."))

    class Meta:
        model = WorkoutLog
        fields = ["member", "routine", "exercise", "date_from", "date_to", "gym"]
