"""Input validation and output shape of training (no rules: those live in services)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gymsite.accounts.models import Gym
from gymsite.accounts.scoping import VisibleRelatedField
from gymsite.core.dates import BoundedDateField, BoundedDateTimeField
from gymsite.core.ids import MAX_ID
from gymsite.core.serializer_cache import CachedFieldsMixin
from members.models import Member
from members.serializers import MemberRefSerializer

from .arithmetic import MEASURE_UNITS, MEASURES
from .models import (
    MEASURE_LABELS,
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
from .selectors import visible_exercises
from .services import MAX_ITEMS, MAX_SETS, Item, SetEntry

MAX_WEIGHT_KG = 1000
MAX_SECONDS = 24 * 60 * 60


class MeasureField(serializers.DecimalField):
    """A measure in, checked as a decimal of one place; out as a JSON number. Out, it skips
    DRF's quantizing in a decimal context of its own: the column holds one place already,
    and a list of 50 sittings has 700 of them."""

    def to_representation(self, value):
        return None if value is None else float(value)


def _measure_field(name: str, **kwargs) -> serializers.DecimalField:
    return MeasureField(
        max_digits=5,
        decimal_places=1,
        coerce_to_string=False,
        allow_null=True,
        required=False,
        help_text=f"{MEASURE_LABELS[name]} ({MEASURE_UNITS[name]})",
        **kwargs,
    )


def _weight_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, max_value=MAX_WEIGHT_KG, coerce_to_string=False,
        allow_null=True, required=False, **kwargs,
    )


# --- Measurements ---------------------------------------------------------------------------


class MeasurementSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    member = VisibleRelatedField(queryset=Member.objects.all())
    member_name = serializers.CharField(source="member.full_name", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    measured_at = BoundedDateTimeField(required=False, help_text=_("Default: now. Never in the future."))
    bmi = serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=False, read_only=True, allow_null=True,
        help_text=_("Body mass index (kg/m²), when height and weight are known."),
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    class Meta:
        model = Measurement
        fields = [
            "id", "member", "member_name", "recorded_by", "measured_at", "local_date", *MEASURES, "bmi", "notes",
            "created_at", "updated_at",
        ]
        read_only_fields = ["id", "member_name", "recorded_by", "local_date", "bmi", "created_at", "updated_at"]


for _name in MEASURES:
    MeasurementSerializer._declared_fields[_name] = _measure_field(_name)


class MeasurementUpdateSerializer(MeasurementSerializer):
    member = serializers.PrimaryKeyRelatedField(read_only=True)


class RangeQuerySerializer(serializers.Serializer):
    start_date = BoundedDateField(required=False, help_text=_("First day (gym-local)."))
    end_date = BoundedDateField(required=False, help_text=_("Last day (gym-local)."))


class ChartQuerySerializer(serializers.Serializer):
    fields = serializers.CharField(
        required=False, default="weight", max_length=400,
        help_text=_("Comma-separated measures to draw (default: weight), of: %(measures)s.")
        % {"measures": ", ".join([*MEASURES, "bmi"])},
    )
    date_from = BoundedDateField(required=False)
    date_to = BoundedDateField(required=False)

    def validate_fields(self, value):
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in (*MEASURES, "bmi")]
        if unknown or not names:
            raise serializers.ValidationError(
                _("Unknown measures: %(names)s. Use: %(measures)s.")
                % {"names": ", ".join(unknown) or "-", "measures": ", ".join([*MEASURES, "bmi"])}
            )
        return list(dict.fromkeys(names))


class MeasureProgressSerializer(serializers.Serializer):
    start = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True)
    current = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True)
    change = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True)
    change_percent = serializers.DecimalField(
        max_digits=12, decimal_places=2, coerce_to_string=False, allow_null=True,
        help_text=_("The change as a percentage of the start; null when the start is 0 or missing."),
    )
    count = serializers.IntegerField(help_text=_("Measurements of this measure used."))
    start_at = serializers.DateTimeField(allow_null=True)
    current_at = serializers.DateTimeField(allow_null=True)


MeasuresProgressSerializer = type(
    "MeasuresProgressSerializer",
    (serializers.Serializer,),
    {name: MeasureProgressSerializer() for name in (*MEASURES, "bmi")},
)


class MeasurementProgressSerializer(serializers.Serializer):
    member = MemberRefSerializer()
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    measurements_count = serializers.IntegerField()
    first_measured_at = serializers.DateTimeField(allow_null=True)
    last_measured_at = serializers.DateTimeField(allow_null=True)
    measures = MeasuresProgressSerializer()


# --- Exercises ------------------------------------------------------------------------------


class ExerciseSerializer(serializers.ModelSerializer):
    gym = VisibleRelatedField(
        queryset=Gym.objects.all(), gym_field=None, required=False, allow_null=True,
        help_text=_("The exercise's gym; empty for a global exercise (administrators)."),
    )
    muscle_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=MuscleGroup.choices), required=False, max_length=len(MuscleGroup.values)
    )
    equipment = serializers.ChoiceField(choices=Equipment.choices, required=False, default=Equipment.NONE)
    category = serializers.ChoiceField(choices=ExerciseCategory.choices, required=False, default=ExerciseCategory.STRENGTH)
    is_global = serializers.BooleanField(read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    class Meta:
        model = Exercise
        fields = [
            "id", "gym", "is_global", "name", "description", "muscle_groups", "equipment", "category", "is_active",
            "created_by", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "is_global", "created_by", "created_at", "updated_at"]
        validators: list = []


class ExerciseUpdateSerializer(ExerciseSerializer):
    gym = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    equipment = serializers.ChoiceField(choices=Equipment.choices, required=False)
    category = serializers.ChoiceField(choices=ExerciseCategory.choices, required=False)


def _with_exercise_key(row) -> dict:
    """A nested row whose `exercise` id DRF read into `exercise_id` (its source)."""
    row = dict(row)
    row["exercise"] = row.pop("exercise_id")
    return row


def resolve_exercises(rows: list[dict], request) -> None:
    """Replaces each row's `exercise` id by the exercise, looked up among those the user
    may see in one query for the whole list (400 does_not_exist on the row otherwise)."""
    ids = {row["exercise"] for row in rows}
    found = {e.pk: e for e in visible_exercises(request.user).filter(pk__in=ids)}
    errors = [
        {}
        if row["exercise"] in found
        else {"exercise": [_('Invalid pk "%(pk)s" - object does not exist.') % {"pk": row["exercise"]}]}
        for row in rows
    ]
    if any(errors):
        raise serializers.ValidationError(errors, code="does_not_exist")
    for row in rows:
        row["exercise"] = found[row["exercise"]]


# --- Routines -------------------------------------------------------------------------------


class RoutineItemSerializer(serializers.ModelSerializer):
    exercise = serializers.IntegerField(min_value=1, max_value=MAX_ID, source="exercise_id")
    exercise_name = serializers.CharField(source="exercise.name", read_only=True)
    sets = serializers.IntegerField(min_value=1, max_value=100, required=False, default=3)
    reps = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)
    duration_seconds = serializers.IntegerField(min_value=1, max_value=MAX_SECONDS, required=False, allow_null=True)
    weight_kg = _weight_field()
    rest_seconds = serializers.IntegerField(min_value=0, max_value=3600, required=False, default=60)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")

    class Meta:
        model = RoutineItem
        fields = [
            "position", "exercise", "exercise_name", "sets", "reps", "duration_seconds", "weight_kg", "rest_seconds",
            "notes",
        ]
        read_only_fields = ["position", "exercise_name"]


class RoutineSerializer(serializers.ModelSerializer):
    gym = VisibleRelatedField(
        queryset=Gym.objects.all(), gym_field=None, required=False, help_text=_("The routine's gym (admins).")
    )
    member = VisibleRelatedField(
        queryset=Member.objects.all(), required=False, allow_null=True,
        help_text=_("The member who follows it; empty for a template."),
    )
    member_name = serializers.CharField(source="member.full_name", read_only=True, allow_null=True, default=None)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    items = RoutineItemSerializer(many=True, required=False, max_length=MAX_ITEMS)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    class Meta:
        model = Routine
        fields = [
            "id", "gym", "name", "description", "member", "member_name", "source", "is_active", "created_by", "items",
            "created_at", "updated_at",
        ]
        read_only_fields = ["id", "member_name", "source", "created_by", "created_at", "updated_at"]

    def validate_items(self, items):
        rows = [_with_exercise_key(row) for row in items]
        resolve_exercises(rows, self.context["request"])
        return [Item(**row) for row in rows]


class RoutineUpdateSerializer(RoutineSerializer):
    gym = serializers.PrimaryKeyRelatedField(read_only=True)


class AssignSerializer(serializers.Serializer):
    member = VisibleRelatedField(queryset=Member.objects.all())


# --- Workouts -------------------------------------------------------------------------------


class WorkoutSetSerializer(serializers.ModelSerializer):
    exercise = serializers.IntegerField(min_value=1, max_value=MAX_ID, source="exercise_id")
    exercise_name = serializers.CharField(source="exercise.name", read_only=True)
    set_number = serializers.IntegerField(
        min_value=1, max_value=MAX_SETS, required=False, allow_null=True,
        help_text=_("Default: the next number for its exercise, in the order given."),
    )
    reps = serializers.IntegerField(min_value=0, max_value=1000, required=False, allow_null=True)
    weight_kg = _weight_field()
    duration_seconds = serializers.IntegerField(min_value=1, max_value=MAX_SECONDS, required=False, allow_null=True)
    rpe = serializers.DecimalField(
        max_digits=3, decimal_places=1, min_value=1, max_value=10, coerce_to_string=False, required=False,
        allow_null=True, help_text=_("Rate of perceived exertion, 1 to 10."),
    )

    class Meta:
        model = WorkoutSet
        fields = ["exercise", "exercise_name", "set_number", "reps", "weight_kg", "duration_seconds", "rpe"]
        read_only_fields = ["exercise_name"]


class WorkoutSerializer(serializers.ModelSerializer):
    member = VisibleRelatedField(queryset=Member.objects.all())
    member_name = serializers.CharField(source="member.full_name", read_only=True)
    routine = VisibleRelatedField(queryset=Routine.objects.all(), required=False, allow_null=True)
    routine_name = serializers.CharField(source="routine.name", read_only=True, allow_null=True, default=None)
    performed_at = BoundedDateTimeField(required=False, help_text=_("Default: now. Never in the future."))
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    sets = WorkoutSetSerializer(many=True, required=False, max_length=MAX_SETS)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    class Meta:
        model = WorkoutLog
        fields = [
            "id", "member", "member_name", "routine", "routine_name", "performed_at", "local_date", "notes",
            "recorded_by", "sets", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "member_name", "routine_name", "local_date", "recorded_by", "created_at", "updated_at"]

    def validate_sets(self, sets):
        rows = [_with_exercise_key(row) for row in sets]
        resolve_exercises(rows, self.context["request"])
        return [SetEntry(**row) for row in rows]


class WorkoutUpdateSerializer(WorkoutSerializer):
    member = serializers.PrimaryKeyRelatedField(read_only=True)


# --- Progress -------------------------------------------------------------------------------


class ProgressQuerySerializer(serializers.Serializer):
    member = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False,
        help_text=_("One member (default: every member of the gym who trained in the range)."),
    )
    exercise = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    date_from = BoundedDateField(required=False)
    date_to = BoundedDateField(required=False)


class ProgressDaySerializer(serializers.Serializer):
    member = serializers.IntegerField()
    member_name = serializers.CharField()
    exercise = serializers.IntegerField()
    exercise_name = serializers.CharField()
    date = serializers.DateField()
    sets = serializers.IntegerField()
    reps = serializers.IntegerField()
    best_weight = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True)
    volume = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=False, help_text=_("Σ reps × weight (kg).")
    )
    one_rep_max = serializers.DecimalField(
        max_digits=10, decimal_places=2, coerce_to_string=False, allow_null=True,
        help_text=_("Best estimated one-rep max of the day (Epley: weight × (1 + reps / 30))."),
    )
    personal_record = serializers.BooleanField(help_text=_("The day beat every earlier day of the exercise."))
    records = serializers.ListField(
        child=serializers.ChoiceField(choices=["weight", "volume", "one_rep_max"]),
        help_text=_("Which records the day set."),
    )


class ProgressSerializer(serializers.Serializer):
    member = MemberRefSerializer(allow_null=True, help_text=_("The member asked for, if one was."))
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    results = ProgressDaySerializer(many=True)
