from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.admin_audit import audit_value_labels
from gymsite.accounts.admin_mixins import ServiceAdminMixin
from gymsite.accounts.admin_time import EMPTY, GymDayFilter, GymTimeAdminMixin, gym_time
from members.admin import MemberSection, change_link, member_rows_url, member_section

from . import services
from .arithmetic import MEASURES
from .models import (
    EXERCISE_EDITABLE_FIELDS,
    MEASUREMENT_EDITABLE_FIELDS,
    Equipment,
    Exercise,
    ExerciseCategory,
    Measurement,
    MuscleGroup,
    Routine,
    RoutineItem,
    WorkoutLog,
    WorkoutSet,
)

audit_value_labels("category", ExerciseCategory.choices)
audit_value_labels("equipment", Equipment.choices)

MEMBER_PAGE_ROWS = 10


@admin.register(Measurement)
class MeasurementAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Measurements are recorded, changed and deleted through the services (plausible
    ranges, at least one measure, audited), as in the API."""

    gym_field = "member__gym"
    gym_column = None
    gym_time_fields = ("measured_at",)
    list_display = ["measured_at", "member", "weight", "height", "bmi_display", "abdomen", "recorded_by"]
    list_filter = ["member__gym", ("local_date", GymDayFilter)]
    search_fields = ["member__first_name", "member__last_name", "member__document_id"]
    list_select_related = ["member__gym", "recorded_by"]
    autocomplete_fields = ["member"]
    date_hierarchy = "local_date"
    fields = ["member", "measured_at", *MEASURES, "notes", "recorded_by", "local_date"]
    readonly_fields = ["recorded_by", "local_date"]
    service_fields = MEASUREMENT_EDITABLE_FIELDS

    @admin.display(description=_("BMI"))
    def bmi_display(self, measurement: Measurement):
        return measurement.bmi if measurement.bmi is not None else EMPTY

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "member"] if obj is not None else self.readonly_fields

    def service_create(self, *, actor, form, data):
        data = dict(data)
        return services.measurement_record(
            actor=actor,
            member=form.cleaned_data["member"],
            measured_at=data.pop("measured_at", None),
            notes=data.pop("notes", ""),
            measures={name: data.get(name) for name in MEASURES},
        )

    def service_update(self, *, actor, obj, changes):
        return services.measurement_update(actor=actor, measurement=obj, changes=changes)

    def service_delete(self, *, actor, obj):
        services.measurement_delete(actor=actor, measurement=obj)


class ExerciseForm(forms.ModelForm):
    muscle_groups = forms.MultipleChoiceField(
        label=_("muscle groups"), choices=MuscleGroup.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Exercise
        fields = ["gym", "name", "description", "muscle_groups", "equipment", "category", "is_active"]


@admin.register(Exercise)
class ExerciseAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """The exercise catalogue: global exercises (no gym) and each gym's own."""

    form = ExerciseForm
    list_display = ["name", "gym", "category", "equipment", "is_active"]
    list_filter = ["category", "equipment", "is_active", "gym"]
    search_fields = ["name", "description"]
    list_select_related = ["gym"]
    service_fields = EXERCISE_EDITABLE_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return ["gym"] if obj is not None else []

    def service_create(self, *, actor, form, data):
        return services.exercise_create(actor=actor, gym=form.cleaned_data.get("gym"), **data)

    def service_update(self, *, actor, obj, changes):
        return services.exercise_update(actor=actor, exercise=obj, changes=changes)

    def service_delete(self, *, actor, obj):
        services.exercise_delete(actor=actor, exercise=obj)


class NestedRowsInline(admin.TabularInline):
    """Rows written whole with their parent (a routine's items, a workout's sets), through
    the API's nested writes: read here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RoutineItemInline(NestedRowsInline):
    model = RoutineItem
    fields = ["position", "exercise", "sets", "reps", "duration_seconds", "weight_kg", "rest_seconds", "notes"]


@admin.register(Routine)
class RoutineAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    gym_time_fields = ("updated_at",)
    list_display = ["name", "gym", "member", "is_active", "created_by", "updated_at"]
    list_filter = ["gym", "is_active"]
    search_fields = ["name", "member__first_name", "member__last_name"]
    list_select_related = ["gym", "member", "created_by"]
    autocomplete_fields = ["member"]
    fields = ["gym", "name", "description", "member", "source", "is_active", "created_by"]
    readonly_fields = ["source", "created_by"]
    inlines = [RoutineItemInline]
    service_fields = ("name", "description", "member", "is_active")

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "gym"] if obj is not None else self.readonly_fields

    def service_create(self, *, actor, form, data):
        return services.routine_create(actor=actor, gym=form.cleaned_data["gym"], **data)

    def service_update(self, *, actor, obj, changes):
        return services.routine_update(actor=actor, routine=obj, changes=changes)

    def service_delete(self, *, actor, obj):
        services.routine_delete(actor=actor, routine=obj)


class WorkoutSetInline(NestedRowsInline):
    model = WorkoutSet
    fields = ["exercise", "set_number", "reps", "weight_kg", "duration_seconds", "rpe"]


@admin.register(WorkoutLog)
class WorkoutLogAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Workouts are logged through the API; here the owner reads them, edits the notes and
    deletes (through the services, audited)."""

    gym_field = "member__gym"
    gym_column = None
    gym_time_fields = ("performed_at",)
    list_display = ["performed_at", "member", "routine", "recorded_by"]
    list_filter = ["member__gym", ("local_date", GymDayFilter)]
    search_fields = ["member__first_name", "member__last_name", "member__document_id"]
    list_select_related = ["member__gym", "routine", "recorded_by"]
    date_hierarchy = "local_date"
    fields = ["member", "routine", "performed_at", "local_date", "notes", "recorded_by"]
    readonly_fields = ["member", "routine", "performed_at", "local_date", "recorded_by"]
    inlines = [WorkoutSetInline]
    service_fields = ("notes",)

    def has_add_permission(self, request):
        return False

    def service_update(self, *, actor, obj, changes):
        return services.workout_update(actor=actor, workout=obj, changes=changes)

    def service_delete(self, *, actor, obj):
        services.workout_delete(actor=actor, workout=obj)


@member_section(order=40)
def measurements_section(request, member) -> MemberSection:
    rows = list(Measurement.objects.filter(member=member).order_by("-measured_at", "-id")[:MEMBER_PAGE_ROWS])
    return MemberSection(
        key="measurements",
        title=_("Recent measurements"),
        columns=[_("measured at"), _("weight"), _("height"), _("BMI"), _("abdomen")],
        rows=[
            [
                change_link(row, gym_time(row.measured_at, member.gym)),
                row.weight if row.weight is not None else EMPTY,
                row.height if row.height is not None else EMPTY,
                row.bmi if row.bmi is not None else EMPTY,
                row.abdomen if row.abdomen is not None else EMPTY,
            ]
            for row in rows
        ],
        empty=_("No measurements yet."),
        more_url=member_rows_url(Measurement, member),
        more_label=_("All of this member's measurements"),
    )
