"""Demo training data for `manage.py seed_demo`, in the gym's language: a global exercise
catalogue, a beginner's full-body routine assigned to a member, twelve weeks of
measurements for a few members (so the progress and the chart have a line to show) and six
weeks of logged workouts with rising weights (so /progress/ flags records). Idempotent:
what is there already is left alone. Everything goes through the services (audited)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from gymsite.accounts.audit import Actor
from members.models import Member

from .models import Exercise, Measurement, Routine, WorkoutLog
from .services import (
    Item,
    SetEntry,
    exercise_create,
    measurement_record,
    routine_assign,
    routine_create,
    workout_log,
)

# (English name, Spanish name, category, equipment, muscle groups)
DEMO_EXERCISES = [
    ("Back squat", "Sentadilla trasera", "strength", "barbell", ["quadriceps", "glutes", "hamstrings"]),
    ("Bench press", "Press de banca", "strength", "barbell", ["chest", "triceps", "shoulders"]),
    ("Deadlift", "Peso muerto", "strength", "barbell", ["hamstrings", "glutes", "lower_back"]),
    ("Overhead press", "Press militar", "strength", "barbell", ["shoulders", "triceps"]),
    ("Barbell row", "Remo con barra", "strength", "barbell", ["back", "biceps"]),
    ("Pull-up", "Dominadas", "strength", "pull_up_bar", ["back", "biceps"]),
    ("Dumbbell curl", "Curl con mancuernas", "strength", "dumbbell", ["biceps", "forearms"]),
    ("Plank", "Plancha", "strength", "none", ["abs", "obliques"]),
    ("Treadmill run", "Carrera en caminadora", "cardio", "cardio_machine", ["full_body"]),
    ("Hip stretch", "Estiramiento de cadera", "flexibility", "none", ["glutes"]),
]
DEMO_WEEKS = 12
WORKOUT_WEEKS = 6


def _name(gym, english: str, spanish: str) -> str:
    return spanish if gym.member_language[:2].lower() == "es" else english


@transaction.atomic
def seed_demo(gym) -> int:
    """Returns how many rows it created (exercises, routines, measurements, workouts)."""
    actor = Actor.system()
    created = 0
    catalogue = {}
    for english, spanish, category, equipment, muscles in DEMO_EXERCISES:
        name = _name(gym, english, spanish)
        exercise = Exercise.objects.filter(gym__isnull=True, name__iexact=name).first()
        if exercise is None:
            exercise = exercise_create(
                actor=actor, gym=None, name=name, category=category, equipment=equipment, muscle_groups=muscles
            )
            created += 1
        catalogue[english] = exercise

    members = list(Member.objects.select_related("gym").filter(gym=gym, is_active=True).order_by("pk")[:3])
    template_name = _name(gym, "Full body, beginner", "Cuerpo completo, principiante")
    template = Routine.objects.filter(gym=gym, member__isnull=True, name=template_name).first()
    if template is None:
        template = routine_create(
            actor=actor,
            gym=gym,
            name=template_name,
            description=_name(gym, "Three days a week, two minutes' rest.", "Tres días por semana, dos minutos de descanso."),
            items=[
                Item(exercise=catalogue["Back squat"], sets=3, reps=8, weight_kg=Decimal("40"), rest_seconds=120),
                Item(exercise=catalogue["Bench press"], sets=3, reps=8, weight_kg=Decimal("30"), rest_seconds=120),
                Item(exercise=catalogue["Barbell row"], sets=3, reps=10, weight_kg=Decimal("30"), rest_seconds=90),
                Item(exercise=catalogue["Plank"], sets=3, duration_seconds=45, rest_seconds=60),
            ],
        )
        created += 1
        if members:
            routine_assign(actor=actor, routine=template, member=members[0])
            created += 1

    now = timezone.now()
    for index, member in enumerate(members):
        if Measurement.objects.filter(member=member).exists():
            continue
        for week in range(DEMO_WEEKS):
            measurement_record(
                actor=actor,
                member=member,
                measured_at=now - timedelta(weeks=DEMO_WEEKS - 1 - week, hours=2),
                measures={
                    "height": Decimal(170 + 5 * index),
                    "weight": Decimal(88 - index * 6) - Decimal("0.4") * week,
                    "abdomen": Decimal(96 - index * 5) - Decimal("0.5") * week,
                    "chest": Decimal(100 + index) + Decimal("0.1") * week,
                },
            )
            created += 1

    if members and not WorkoutLog.objects.filter(member=members[0]).exists():
        squat, bench = catalogue["Back squat"], catalogue["Bench press"]
        for week in range(WORKOUT_WEEKS):
            sets = [
                SetEntry(exercise=squat, reps=8, weight_kg=Decimal(40 + 2.5 * week)) for _ in range(3)
            ] + [SetEntry(exercise=bench, reps=8, weight_kg=Decimal(30 + 2.5 * (week // 2))) for _ in range(3)]
            workout_log(
                actor=actor,
                member=members[0],
                routine=Routine.objects.filter(member=members[0]).first(),
                performed_at=now - timedelta(weeks=WORKOUT_WEEKS - 1 - week, hours=3),
                sets=sets,
            )
            created += 1
    return created
