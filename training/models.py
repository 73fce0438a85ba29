"""Training: body measurements (seed 001), exercises, routines and workout logs (seed 004).

A member's measurements and workouts follow the member: they are scoped by the member's
gym (`member__gym`), so a member who moves gyms takes their history along. Exercises are
global (no gym: the admin's catalogue, seen by every gym) or a gym's own (its trainers').
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.models import Gym
from gymsite.core.models import TimeStampedModel
from members.models import Member

from .arithmetic import MEASURE_RANGES, MEASURE_UNITS, MEASURES, bmi
from .validators import PlausibleRange

MEASURE_LABELS = {
    "height": _("height"),
    "weight": _("weight"),
    "chest": _("chest"),
    "shoulders": _("shoulders"),
    "biceps_left": _("left biceps"),
    "biceps_right": _("right biceps"),
    "forearms_left": _("left forearm"),
    "forearms_right": _("right forearm"),
    "abdomen": _("abdomen"),
    "hips": _("hips"),
    "thighs_left": _("left thigh"),
    "thighs_right": _("right thigh"),
    "calves_left": _("left calf"),
    "calves_right": _("right calf"),
}
MEASUREMENT_EDITABLE_FIELDS = (*MEASURES, "measured_at", "notes")
EXERCISE_EDITABLE_FIELDS = ("name", "description", "muscle_groups", "equipment", "category", "is_active")
ROUTINE_EDITABLE_FIELDS = ("name", "description", "member", "items", "is_active")
WORKOUT_EDITABLE_FIELDS = ("performed_at", "routine", "notes", "sets")


def _measure_field(name: str) -> models.DecimalField:
    low, high = MEASURE_RANGES[name]
    return models.DecimalField(
        MEASURE_LABELS[name],
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[PlausibleRange(low, high, MEASURE_UNITS[name])],
    )


class Measurement(TimeStampedModel):
    """One sitting of body measurements. Every measure is optional (at least one is
    taken), and each within its plausible range (arithmetic.MEASURE_RANGES, also a check
    constraint)."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="measurements")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    measured_at = models.DateTimeField(_("measured at"), default=timezone.now)
    # The gym-local day of `measured_at` (the member's gym at the time): ranges of days.
    local_date = models.DateField(_("day"))
    notes = models.TextField(_("notes"), blank=True)
    height = _measure_field("height")
    weight = _measure_field("weight")
    chest = _measure_field("chest")
    shoulders = _measure_field("shoulders")
    biceps_left = _measure_field("biceps_left")
    biceps_right = _measure_field("biceps_right")
    forearms_left = _measure_field("forearms_left")
    forearms_right = _measure_field("forearms_right")
    abdomen = _measure_field("abdomen")
    hips = _measure_field("hips")
    thighs_left = _measure_field("thighs_left")
    thighs_right = _measure_field("thighs_right")
    calves_left = _measure_field("calves_left")
    calves_right = _measure_field("calves_right")

    class Meta:
        ordering = ["-measured_at", "-id"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        indexes = [
            models.Index(fields=["member", "-measured_at", "-id"], name="measurement_member_recent"),
            models.Index(fields=["member", "local_date"], name="measurement_member_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(*[Q(**{f"{name}__isnull": False}) for name in MEASURES], _connector=Q.OR),
                name="measurement_has_a_measure",
                violation_error_message=_("Give at least one measure."),
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__range": bounds}),
                    name=f"measurement_{name}_plausible",
                )
                for name, bounds in MEASURE_RANGES.items()
            ],
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.local_date}"

    @property
    def bmi(self):
        return bmi(self.height, self.weight)


class ExerciseCategory(models.TextChoices):
    STRENGTH = "strength", _("Strength")
    CARDIO = "cardio", _("Cardio")
    FLEXIBILITY = "flexibility", _("Flexibility")
    BALANCE = "balance", _("Balance")
    PLYOMETRICS = "plyometrics", _("Plyometrics")
    MOBILITY = "mobility", _("Mobility")
    OTHER = "other", _("Other")


class Equipment(models.TextChoices):
    NONE = "none", _("Body weight")
    BARBELL = "barbell", _("Barbell")
    DUMBBELL = "dumbbell", _("Dumbbell")
    KETTLEBELL = "kettlebell", _("Kettlebell")
    MACHINE = "machine", _("Machine")
    CABLE = "cable", _("Cable")
    BAND = "band", _("Resistance band")
    BENCH = "bench", _("Bench")
    PULL_UP_BAR = "pull_up_bar", _("Pull-up bar")
    CARDIO_MACHINE = "cardio_machine", _("Cardio machine")
    OTHER = "other", _("Other")


class MuscleGroup(models.TextChoices):
    CHEST = "chest", _("Chest")
    BACK = "back", _("Back")
    SHOULDERS = "shoulders", _("Shoulders")
    BICEPS = "biceps", _("Biceps")
    TRICEPS = "triceps", _("Triceps")
    FOREARMS = "forearms", _("Forearms")
    ABS = "abs", _("Abs")
    OBLIQUES = "obliques", _("Obliques")
    LOWER_BACK = "lower_back", _("Lower back")
    GLUTES = "glutes", _("Glutes")
    QUADRICEPS = "quadriceps", _("Quadriceps")
    HAMSTRINGS = "hamstrings", _("Hamstrings")
    CALVES = "calves", _("Calves")
    FULL_BODY = "full_body", _("Full body")


class Exercise(TimeStampedModel):
    """An exercise of the catalogue: global (no gym; the admin's) or one gym's own."""

    gym = models.ForeignKey(
        Gym,
        verbose_name=_("gym"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exercises",
        help_text=_("Empty: a global exercise, seen by every gym."),
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    # A list of MuscleGroup values (a JSON list keeps it one column on SQLite and PostgreSQL).
    muscle_groups = models.JSONField(_("muscle groups"), default=list, blank=True)
    equipment = models.CharField(_("equipment"), max_length=20, choices=Equipment.choices, default=Equipment.NONE)
    category = models.CharField(
        _("category"), max_length=20, choices=ExerciseCategory.choices, default=ExerciseCategory.STRENGTH
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "gym", condition=Q(gym__isnull=False), name="exercise_name_unique_in_gym"
            ),
            models.UniqueConstraint(Lower("name"), condition=Q(gym__isnull=True), name="exercise_name_unique_global"),
            models.CheckConstraint(condition=Q(category__in=ExerciseCategory.values), name="exercise_category_valid"),
            models.CheckConstraint(condition=Q(equipment__in=Equipment.values), name="exercise_equipment_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_global(self) -> bool:
        return self.gym_id is None


class Routine(TimeStampedModel):
    """A training plan: ordered items. A template (no member) or a member's own copy,
    made by assigning a template (`source` names it)."""

    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.PROTECT, related_name="routines")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, null=True, blank=True, related_name="routines"
    )
    source = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("routine")
        verbose_name_plural = _("routines")
        indexes = [models.Index(fields=["member", "-created_at"], name="routine_member_recent")]

    def __str__(self) -> str:
        return self.name


class RoutineItem(models.Model):
    routine = models.ForeignKey(Routine, verbose_name=_("routine"), on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    exercise = models.ForeignKey(
        Exercise, verbose_name=_("exercise"), on_delete=models.PROTECT, related_name="routine_items"
    )
    sets = models.PositiveSmallIntegerField(_("sets"), default=3)
    reps = models.PositiveSmallIntegerField(_("reps"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=6, decimal_places=2, null=True, blank=True)
    rest_seconds = models.PositiveIntegerField(_("rest (seconds)"), default=60)
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        ordering = ["routine_id", "position"]
        verbose_name = _("routine item")
        verbose_name_plural = _("routine items")
        constraints = [
            models.UniqueConstraint(fields=["routine", "position"], name="routine_item_position_unique"),
            models.CheckConstraint(
                condition=Q(reps__isnull=False) | Q(duration_seconds__isnull=False), name="routine_item_reps_or_duration"
            ),
            models.CheckConstraint(condition=Q(sets__gte=1), name="routine_item_sets_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.exercise}"


class WorkoutLog(TimeStampedModel):
    """One training session of a member: the sets done."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="workouts")
    routine = models.ForeignKey(
        Routine, verbose_name=_("routine"), on_delete=models.SET_NULL, null=True, blank=True, related_name="workouts"
    )
    performed_at = models.DateTimeField(_("performed at"), default=timezone.now)
    local_date = models.DateField(_("day"))
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-performed_at", "-id"]
        verbose_name = _("workout")
        verbose_name_plural = _("workouts")
        indexes = [models.Index(fields=["member", "local_date"], name="workout_member_day")]

    def __str__(self) -> str:
        return f"{self.member} · {self.local_date}"


class WorkoutSet(models.Model):
    workout = models.ForeignKey(WorkoutLog, verbose_name=_("workout"), on_delete=models.CASCADE, related_name="sets")
    exercise = models.ForeignKey(
        Exercise, verbose_name=_("exercise"), on_delete=models.PROTECT, related_name="workout_sets"
    )
    set_number = models.PositiveSmallIntegerField(_("set number"))
    reps = models.PositiveSmallIntegerField(_("reps"), null=True, blank=True)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=6, decimal_places=2, null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    rpe = models.DecimalField(_("RPE"), max_digits=3, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["workout_id", "exercise_id", "set_number"]
        verbose_name = _("workout set")
        verbose_name_plural = _("workout sets")
        constraints = [
            models.UniqueConstraint(fields=["workout", "exercise", "set_number"], name="workout_set_number_unique"),
            models.CheckConstraint(
                condition=Q(reps__isnull=False) | Q(duration_seconds__isnull=False), name="workout_set_reps_or_duration"
            ),
            models.CheckConstraint(
                condition=Q(rpe__isnull=True) | Q(rpe__gte=1, rpe__lte=10), name="workout_set_rpe_range"
            ),
            models.CheckConstraint(condition=Q(set_number__gte=1), name="workout_set_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.exercise} #{self.set_number}"
