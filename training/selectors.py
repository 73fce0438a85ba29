"""Reads of training that are more than a filter: the progress of a member's measurements,
the chart's series, and the per-day figures of their workouts. Each runs a fixed number
of queries however long the history (the arithmetic is in `arithmetic`)."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from members.models import Member

from .arithmetic import MEASURES, SetRow, day_figures, flag_records, series_progress
from .models import Exercise, Measurement, Routine, RoutineItem, WorkoutLog, WorkoutSet


def measurements_queryset() -> QuerySet[Measurement]:
    """Measurements with what their serializer shows (member's name, who recorded them)."""
    return Measurement.objects.select_related("member", "recorded_by")


def routines_queryset() -> QuerySet[Routine]:
    """Routines with their items and the items' exercises: three queries for a page."""
    items = RoutineItem.objects.select_related("exercise").order_by("position")
    return Routine.objects.select_related("gym", "member", "created_by").prefetch_related(Prefetch("items", items))


def workouts_queryset() -> QuerySet[WorkoutLog]:
    """Workouts with their sets and the sets' exercises: three queries for a page."""
    sets = WorkoutSet.objects.select_related("exercise").order_by("exercise_id", "set_number")
    return WorkoutLog.objects.select_related("member", "routine", "recorded_by").prefetch_related(Prefetch("sets", sets))


def visible_exercises(user, requested_gym_id: int | None = None) -> QuerySet[Exercise]:
    """The global catalogue and the exercises of the user's gym (an admin: every gym's, or
    with `?gym=` that gym's and the global ones)."""
    queryset = Exercise.objects.select_related("gym")
    if user is None or not getattr(user, "is_authenticated", False):
        return queryset.none()
    if user.is_admin:
        return queryset.filter(Q(gym__isnull=True) | Q(gym_id=requested_gym_id)) if requested_gym_id else queryset
    return queryset.filter(Q(gym__isnull=True) | Q(gym_id=user.gym_id))


def _in_range(queryset: QuerySet, date_from: date | None, date_to: date | None) -> QuerySet:
    if date_from:
        queryset = queryset.filter(local_date__gte=date_from)
    if date_to:
        queryset = queryset.filter(local_date__lte=date_to)
    return queryset


def measurement_rows(member: Member, date_from: date | None, date_to: date | None) -> list[dict]:
    """The member's measurements between the gym-local days given, oldest first, as dicts
    of `measured_at` and every measure: one query."""
    queryset = _in_range(Measurement.objects.filter(member=member), date_from, date_to)
    return list(queryset.order_by("measured_at", "id").values("measured_at", *MEASURES))


def measurement_progress(member: Member, date_from: date | None, date_to: date | None) -> dict:
    rows = measurement_rows(member, date_from, date_to)
    return {
        "member": member,
        "start_date": date_from,
        "end_date": date_to,
        "measurements_count": len(rows),
        "first_measured_at": rows[0]["measured_at"] if rows else None,
        "last_measured_at": rows[-1]["measured_at"] if rows else None,
        "measures": series_progress(rows),
    }


def workout_progress(
    members: QuerySet[Member], *, exercise_id: int | None, date_from: date | None, date_to: date | None
) -> list[dict]:
    """Per member, exercise and day of the workouts of `members` (one member, or a gym's)
    within the range: sets, reps, best weight, volume, Epley one-rep max and the records of
    that day. Records are measured against the member's whole history before the day, also
    before `date_from`. Three queries, whatever the history."""
    sets = WorkoutSet.objects.filter(workout__member__in=members)
    if date_from:
        # Only members who trained in the range; their earlier sets still count for records.
        sets = sets.filter(workout__member__in=_in_range(WorkoutLog.objects.filter(member__in=members), date_from, date_to).values("member_id"))
    if exercise_id:
        sets = sets.filter(exercise_id=exercise_id)
    if date_to:
        sets = sets.filter(workout__local_date__lte=date_to)
    rows = [
        # The arithmetic groups by its key: here a member's exercise.
        SetRow(exercise_id=(m, e), day=d, reps=r, weight_kg=w)
        for m, e, d, r, w in sets.order_by().values_list(
            "workout__member_id", "exercise_id", "workout__local_date", "reps", "weight_kg"
        )
    ]
    figures = [f for f in flag_records(day_figures(rows)) if date_from is None or f.day >= date_from]
    exercises = dict(Exercise.objects.filter(pk__in={f.exercise_id[1] for f in figures}).values_list("pk", "name"))
    people = {m.pk: m.full_name for m in Member.objects.filter(pk__in={f.exercise_id[0] for f in figures})}
    return [
        {
            "member": f.exercise_id[0],
            "member_name": people.get(f.exercise_id[0], ""),
            "exercise": f.exercise_id[1],
            "exercise_name": exercises.get(f.exercise_id[1], ""),
            "date": f.day,
            "sets": f.sets,
            "reps": f.reps,
            "best_weight": f.best_weight,
            "volume": f.volume,
            "one_rep_max": f.one_rep_max,
            "personal_record": f.is_personal_record,
            "records": [
                name
                for name, flag in (("weight", f.pr_weight), ("volume", f.pr_volume), ("one_rep_max", f.pr_one_rep_max))
                if flag
            ],
        }
        for f in figures
    ]
