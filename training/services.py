"""Every write of training: measurements, exercises, routines (items written with their
routine, in one transaction) and workout logs (with their sets). Each is audited in the
same transaction.

Nested writes (a routine's items, a workout's sets) are checked whole before anything is
written and replace the old rows under the parent's row lock: one bad item saves nothing,
and two editors of one routine queue up instead of interleaving their items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.models import Gym
from gymsite.accounts.roles import role_can
from gymsite.core.changes import apply_changes, audit_value, check_editable
from gymsite.core.errors import Conflict, Invalid, NotAllowed
from gymsite.core.localtime import local_date
from members.models import Member

from .arithmetic import MEASURE_RANGES, MEASURE_UNITS, MEASURES, out_of_range
from .models import (
    EXERCISE_EDITABLE_FIELDS,
    MEASUREMENT_EDITABLE_FIELDS,
    ROUTINE_EDITABLE_FIELDS,
    WORKOUT_EDITABLE_FIELDS,
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
from .validators import message as range_message

# A moment staff give may run ahead of the server's clock by this much (a phone's clock).
CLOCK_SKEW = timedelta(minutes=5)
MAX_ITEMS = 100
MAX_SETS = 500


def _invalid(field: str, message, code: str = "invalid") -> Invalid:
    return Invalid(message, code, errors={field: [str(message)]})


def _check_not_future(field: str, moment: datetime) -> None:
    if moment > timezone.now() + CLOCK_SKEW:
        raise _invalid(field, _("This moment is in the future."), "in_the_future")


# --- Measurements --------------------------------------------------------------------------


def _check_measures(values: Mapping[str, Decimal | None]) -> None:
    """400 `implausible_measure` naming each measure out of its range; 400
    `measurement_empty` when no measure is given."""
    errors = {}
    for name in out_of_range(values):
        low, high = MEASURE_RANGES[name]
        errors[name] = [range_message(low, high, MEASURE_UNITS[name])]
    if errors:
        raise Invalid(_("Some measures are not plausible."), "implausible_measure", errors=errors)
    if all(values.get(name) is None for name in MEASURES):
        message = _("Give at least one measure.")
        raise Invalid(message, "measurement_empty", errors={"non_field_errors": [str(message)]})


def _measurement_data(measurement: Measurement) -> dict:
    data = {name: audit_value(getattr(measurement, name)) for name in MEASURES if getattr(measurement, name) is not None}
    data["member"] = measurement.member_id
    data["measured_at"] = audit_value(measurement.measured_at)
    return data


@transaction.atomic
def measurement_record(
    *,
    actor: Actor,
    member: Member,
    measures: Mapping[str, Decimal | None],
    measured_at: datetime | None = None,
    notes: str = "",
) -> Measurement:
    """Record a sitting of measurements for `member` (at least one measure, each
    plausible); `measured_at` defaults to now and is never in the future."""
    check_editable(measures, MEASURES)
    _check_measures(measures)
    measured_at = measured_at or timezone.now()
    _check_not_future("measured_at", measured_at)
    measurement = Measurement(
        member=member,
        recorded_by=actor.user,
        measured_at=measured_at,
        local_date=local_date(measured_at, member.gym.tz),
        notes=notes or "",
        **{name: measures.get(name) for name in MEASURES},
    )
    measurement.save()
    audit_record(actor=actor, action="measurement.recorded", target=measurement, gym=member.gym_id,
                 data=_measurement_data(measurement))
    return measurement


@transaction.atomic
def measurement_update(*, actor: Actor, measurement: Measurement, changes: Mapping[str, Any]) -> Measurement:
    """Change measures, the moment or the notes (`MEASUREMENT_EDITABLE_FIELDS`); the
    result keeps at least one measure, each plausible."""
    check_editable(changes, MEASUREMENT_EDITABLE_FIELDS)
    measurement = Measurement.objects.select_for_update(of=("self",)).select_related("member__gym").get(pk=measurement.pk)
    changed = apply_changes(measurement, {k: ("" if k == "notes" and v is None else v) for k, v in changes.items()})
    _check_measures({name: getattr(measurement, name) for name in MEASURES})
    if "measured_at" in changed:
        _check_not_future("measured_at", measurement.measured_at)
        measurement.local_date = local_date(measurement.measured_at, measurement.member.gym.tz)
    if changed:
        measurement.save()
        audit_record(actor=actor, action="measurement.changed", target=measurement,
                     gym=measurement.member.gym_id, data={"changes": changed})
    return measurement


@transaction.atomic
def measurement_delete(*, actor: Actor, measurement: Measurement) -> None:
    audit_record(actor=actor, action="measurement.deleted", target=measurement,
                 gym=measurement.member.gym_id, data=_measurement_data(measurement))
    measurement.delete()


# --- Exercises ------------------------------------------------------------------------------


def _check_may_manage_exercise(actor: Actor, gym_id: int | None) -> None:
    """The global catalogue (no gym) is the admin's; a gym's exercises its trainers'. Staff
    users only (the system acts for the admin: demo data, migrations)."""
    user = actor.user
    if user is None:
        return
    if gym_id is None and not role_can(user.role, "exercises.manage_global"):
        raise NotAllowed(_("Only an administrator manages the global exercises."), "global_exercise")
    if gym_id is not None and not user.is_admin and user.gym_id != gym_id:
        raise NotAllowed()


def _check_exercise(*, gym_id: int | None, name: str, muscle_groups, equipment, category, exclude_id=None) -> None:
    errors: dict[str, list[str]] = {}
    code = "invalid"
    if not name or not name.strip():
        errors["name"] = [str(_("This field may not be blank."))]
    elif Exercise.objects.filter(gym_id=gym_id, name__iexact=name.strip()).exclude(pk=exclude_id).exists():
        errors["name"] = [str(_("There is already an exercise with this name."))]
        code = "exercise_name_taken"
    if not isinstance(muscle_groups, list | tuple) or any(m not in MuscleGroup.values for m in muscle_groups):
        errors["muscle_groups"] = [str(_("Use the muscle groups of the list."))]
    if equipment not in Equipment.values:
        errors["equipment"] = [str(_("Use the equipment of the list."))]
    if category not in ExerciseCategory.values:
        errors["category"] = [str(_("Use the categories of the list."))]
    if errors:
        raise Invalid(_("The exercise is not valid."), code if len(errors) == 1 else "invalid", errors=errors)


def _exercise_save(exercise: Exercise) -> None:
    try:
        with transaction.atomic():
            exercise.save()
    except IntegrityError:
        # Two trainers naming an exercise alike at once: the unique index decides.
        raise Invalid(
            _("The exercise is not valid."),
            "exercise_name_taken",
            errors={"name": [str(_("There is already an exercise with this name."))]},
        ) from None


def _exercise_data(exercise: Exercise) -> dict:
    return {
        "name": exercise.name,
        "gym": exercise.gym_id,
        "category": exercise.category,
        "equipment": exercise.equipment,
        "muscle_groups": list(exercise.muscle_groups),
        "is_active": exercise.is_active,
    }


def _unique(values) -> list:
    return list(dict.fromkeys(values))


@transaction.atomic
def exercise_create(
    *,
    actor: Actor,
    gym: Gym | None,
    name: str,
    description: str = "",
    muscle_groups: Sequence[str] = (),
    equipment: str = Equipment.NONE,
    category: str = ExerciseCategory.STRENGTH,
    is_active: bool = True,
) -> Exercise:
    """A new exercise: global (`gym` None, administrators only) or of `gym`."""
    gym_id = gym.pk if gym is not None else None
    _check_may_manage_exercise(actor, gym_id)
    muscle_groups = _unique(muscle_groups)
    _check_exercise(gym_id=gym_id, name=name, muscle_groups=muscle_groups, equipment=equipment, category=category)
    exercise = Exercise(
        gym=gym,
        name=name.strip(),
        description=description or "",
        muscle_groups=muscle_groups,
        equipment=equipment,
        category=category,
        is_active=is_active,
        created_by=actor.user,
    )
    _exercise_save(exercise)
    audit_record(actor=actor, action="exercise.created", target=exercise, data=_exercise_data(exercise))
    return exercise


def _lock_exercise(exercise: Exercise) -> Exercise:
    return Exercise.objects.select_for_update(of=("self",)).get(pk=exercise.pk)


@transaction.atomic
def exercise_update(*, actor: Actor, exercise: Exercise, changes: Mapping[str, Any]) -> Exercise:
    check_editable(changes, EXERCISE_EDITABLE_FIELDS)
    _check_may_manage_exercise(actor, exercise.gym_id)
    exercise = _lock_exercise(exercise)
    changes = dict(changes)
    if isinstance(changes.get("name"), str):
        changes["name"] = changes["name"].strip()
    if "muscle_groups" in changes:
        changes["muscle_groups"] = _unique(changes["muscle_groups"] or [])
    if changes.get("description") is None and "description" in changes:
        changes["description"] = ""
    changed = apply_changes(exercise, changes)
    _check_exercise(
        gym_id=exercise.gym_id,
        name=exercise.name,
        muscle_groups=exercise.muscle_groups,
        equipment=exercise.equipment,
        category=exercise.category,
        exclude_id=exercise.pk,
    )
    if changed:
        _exercise_save(exercise)
        audit_record(actor=actor, action="exercise.changed", target=exercise, data={"changes": changed})
    return exercise


@transaction.atomic
def exercise_delete(*, actor: Actor, exercise: Exercise) -> None:
    """An exercise in a routine or a workout stays for their history: 409
    exercise_in_use (deactivate it instead)."""
    _check_may_manage_exercise(actor, exercise.gym_id)
    exercise = _lock_exercise(exercise)
    if RoutineItem.objects.filter(exercise=exercise).exists() or WorkoutSet.objects.filter(exercise=exercise).exists():
        raise Conflict(_("This exercise is used in routines or workouts; deactivate it instead."), "exercise_in_use")
    audit_record(actor=actor, action="exercise.deleted", target=exercise, data=_exercise_data(exercise))
    exercise.delete()


def _check_exercises_usable(exercises: Sequence[Exercise], gym_id: int, field: str, *, new_ids=frozenset()) -> None:
    """Each exercise global or of the gym; one newly named must be active."""
    errors = {}
    for index, exercise in enumerate(exercises):
        if exercise.gym_id is not None and exercise.gym_id != gym_id:
            errors[f"{field}.{index}.exercise"] = [str(_("This exercise belongs to another gym."))]
        elif not exercise.is_active and exercise.pk in new_ids:
            errors[f"{field}.{index}.exercise"] = [
                str(_("%(exercise)s is inactive.") % {"exercise": exercise.name})
            ]
    if errors:
        raise Invalid(_("Invalid input."), "invalid", errors=errors)


# --- Routines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One line of a routine, as the caller gives it (its position is its place in the list)."""

    exercise: Exercise
    sets: int = 3
    reps: int | None = None
    duration_seconds: int | None = None
    weight_kg: Decimal | None = None
    rest_seconds: int = 60
    notes: str = ""


def _check_items(items: Sequence[Item], gym_id: int, *, old_exercise_ids=frozenset()) -> None:
    if len(items) > MAX_ITEMS:
        raise _invalid("items", _("A routine has at most %(max)d items.") % {"max": MAX_ITEMS})
    errors = {}
    for index, item in enumerate(items):
        if item.reps is None and item.duration_seconds is None:
            errors[f"items.{index}.reps"] = [str(_("Give reps or a duration."))]
        if item.sets < 1:
            errors[f"items.{index}.sets"] = [str(_("At least one set."))]
    if errors:
        raise Invalid(_("Invalid input."), "invalid", errors=errors)
    new_ids = {item.exercise.pk for item in items} - set(old_exercise_ids)
    _check_exercises_usable([item.exercise for item in items], gym_id, "items", new_ids=new_ids)


def _check_routine_member(member: Member | None, gym_id: int) -> None:
    if member is not None and member.gym_id != gym_id:
        raise _invalid("member", _("The member belongs to another gym."))


def _write_items(routine: Routine, items: Sequence[Item]) -> None:
    RoutineItem.objects.filter(routine=routine).delete()
    RoutineItem.objects.bulk_create(
        RoutineItem(
            routine=routine,
            position=position,
            exercise=item.exercise,
            sets=item.sets,
            reps=item.reps,
            duration_seconds=item.duration_seconds,
            weight_kg=item.weight_kg,
            rest_seconds=item.rest_seconds,
            notes=item.notes or "",
        )
        for position, item in enumerate(items, start=1)
    )


def _items_data(items: Sequence[Item] | Sequence[RoutineItem]) -> list[dict]:
    return [
        {
            "exercise": item.exercise.pk,
            "sets": item.sets,
            "reps": item.reps,
            "duration_seconds": item.duration_seconds,
            "weight_kg": audit_value(item.weight_kg),
            "rest_seconds": item.rest_seconds,
        }
        for item in items
    ]


@transaction.atomic
def routine_create(
    *,
    actor: Actor,
    gym: Gym,
    name: str,
    description: str = "",
    member: Member | None = None,
    items: Sequence[Item] = (),
    is_active: bool = True,
) -> Routine:
    """A routine and its ordered items, all or nothing."""
    if not name or not name.strip():
        raise _invalid("name", _("This field may not be blank."))
    _check_routine_member(member, gym.pk)
    _check_items(items, gym.pk)
    routine = Routine.objects.create(
        gym=gym, name=name.strip(), description=description or "", member=member, created_by=actor.user,
        is_active=is_active,
    )
    _write_items(routine, items)
    audit_record(
        actor=actor,
        action="routine.created",
        target=routine,
        data={"name": routine.name, "member": routine.member_id, "items": _items_data(items)},
    )
    return routine


def _lock_routine(routine: Routine) -> Routine:
    return Routine.objects.select_for_update(of=("self",)).get(pk=routine.pk)


@transaction.atomic
def routine_update(*, actor: Actor, routine: Routine, changes: Mapping[str, Any]) -> Routine:
    """Change a routine's `ROUTINE_EDITABLE_FIELDS`; `items`, when given, replace the
    old ones whole (in the order given), or nothing changes."""
    check_editable(changes, ROUTINE_EDITABLE_FIELDS)
    routine = _lock_routine(routine)
    changes = dict(changes)
    items = changes.pop("items", None)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise _invalid("name", _("This field may not be blank."))
    if "description" in changes and changes["description"] is None:
        changes["description"] = ""
    if "member" in changes:
        _check_routine_member(changes["member"], routine.gym_id)
    changed = apply_changes(routine, changes)
    if items is not None:
        before = list(routine.items.select_related("exercise"))
        _check_items(items, routine.gym_id, old_exercise_ids={i.exercise_id for i in before})
        old, new = _items_data(before), _items_data(items)
        if old != new or any(a.notes != (b.notes or "") for a, b in zip(before, items, strict=False)):
            _write_items(routine, items)
            changed["items"] = [old, new]
    if changed:
        routine.save()
        audit_record(actor=actor, action="routine.changed", target=routine, data={"changes": changed})
    return routine


@transaction.atomic
def routine_delete(*, actor: Actor, routine: Routine) -> None:
    """Delete a routine and its items; workouts logged from it keep their sets."""
    routine = _lock_routine(routine)
    audit_record(actor=actor, action="routine.deleted", target=routine,
                 data={"name": routine.name, "member": routine.member_id})
    routine.delete()


@transaction.atomic
def routine_assign(*, actor: Actor, routine: Routine, member: Member) -> Routine:
    """The member's own copy of `routine` (its items too), to follow and change without
    touching the original. The member must be of the routine's gym."""
    if member.gym_id != routine.gym_id:
        raise _invalid("member", _("The member belongs to another gym."))
    items = list(routine.items.select_related("exercise").order_by("position"))
    copy = Routine.objects.create(
        gym_id=routine.gym_id,
        name=routine.name,
        description=routine.description,
        member=member,
        source=routine,
        created_by=actor.user,
    )
    RoutineItem.objects.bulk_create(
        RoutineItem(
            routine=copy,
            position=item.position,
            exercise_id=item.exercise_id,
            sets=item.sets,
            reps=item.reps,
            duration_seconds=item.duration_seconds,
            weight_kg=item.weight_kg,
            rest_seconds=item.rest_seconds,
            notes=item.notes,
        )
        for item in items
    )
    audit_record(
        actor=actor,
        action="routine.assigned",
        target=copy,
        data={"source": routine.pk, "member": member.pk, "name": copy.name},
    )
    return copy


# --- Workout logs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SetEntry:
    exercise: Exercise
    set_number: int | None = None
    reps: int | None = None
    weight_kg: Decimal | None = None
    duration_seconds: int | None = None
    rpe: Decimal | None = None


def _numbered_sets(entries: Sequence[SetEntry], gym_id: int, *, old_exercise_ids=frozenset()) -> list[WorkoutSet]:
    """The sets to write: each with reps or a duration, an exercise the gym may use, and a
    number (given, or the next for its exercise in the order given), no number twice."""
    if len(entries) > MAX_SETS:
        raise _invalid("sets", _("A workout has at most %(max)d sets.") % {"max": MAX_SETS})
    errors = {}
    taken: dict[int, set[int]] = {}
    rows = []
    for index, entry in enumerate(entries):
        if entry.reps is None and entry.duration_seconds is None:
            errors[f"sets.{index}.reps"] = [str(_("Give reps or a duration."))]
        numbers = taken.setdefault(entry.exercise.pk, set())
        number = entry.set_number or (max(numbers, default=0) + 1)
        if number in numbers:
            errors[f"sets.{index}.set_number"] = [str(_("This set number is given twice for the exercise."))]
        numbers.add(number)
        rows.append(
            WorkoutSet(
                exercise=entry.exercise,
                set_number=number,
                reps=entry.reps,
                weight_kg=entry.weight_kg,
                duration_seconds=entry.duration_seconds,
                rpe=entry.rpe,
            )
        )
    if errors:
        raise Invalid(_("Invalid input."), "invalid", errors=errors)
    new_ids = {entry.exercise.pk for entry in entries} - set(old_exercise_ids)
    _check_exercises_usable([entry.exercise for entry in entries], gym_id, "sets", new_ids=new_ids)
    return rows


def _check_workout_routine(routine: Routine | None, member: Member) -> None:
    if routine is not None and (routine.gym_id != member.gym_id or routine.member_id not in (None, member.pk)):
        raise _invalid("routine", _("This routine is not the member's nor one of their gym's."))


def _sets_data(rows: Sequence[WorkoutSet]) -> list[dict]:
    return [
        {"exercise": r.exercise_id, "set_number": r.set_number, "reps": r.reps,
         "weight_kg": audit_value(r.weight_kg), "duration_seconds": r.duration_seconds, "rpe": audit_value(r.rpe)}
        for r in rows
    ]


def _write_sets(workout: WorkoutLog, rows: list[WorkoutSet]) -> None:
    WorkoutSet.objects.filter(workout=workout).delete()
    for row in rows:
        row.workout = workout
    WorkoutSet.objects.bulk_create(rows)


@transaction.atomic
def workout_log(
    *,
    actor: Actor,
    member: Member,
    sets: Sequence[SetEntry] = (),
    performed_at: datetime | None = None,
    routine: Routine | None = None,
    notes: str = "",
) -> WorkoutLog:
    """A member's session and its sets, all or nothing."""
    performed_at = performed_at or timezone.now()
    _check_not_future("performed_at", performed_at)
    _check_workout_routine(routine, member)
    rows = _numbered_sets(sets, member.gym_id)
    workout = WorkoutLog.objects.create(
        member=member,
        routine=routine,
        performed_at=performed_at,
        local_date=local_date(performed_at, member.gym.tz),
        notes=notes or "",
        recorded_by=actor.user,
    )
    _write_sets(workout, rows)
    audit_record(
        actor=actor,
        action="workout.logged",
        target=workout,
        gym=member.gym_id,
        data={"member": member.pk, "performed_at": audit_value(performed_at), "sets": _sets_data(rows)},
    )
    return workout


@transaction.atomic
def workout_update(*, actor: Actor, workout: WorkoutLog, changes: Mapping[str, Any]) -> WorkoutLog:
    """Change a workout's moment, routine, notes or sets (given sets replace the old ones)."""
    check_editable(changes, WORKOUT_EDITABLE_FIELDS)
    workout = WorkoutLog.objects.select_for_update(of=("self",)).select_related("member__gym").get(pk=workout.pk)
    changes = dict(changes)
    entries = changes.pop("sets", None)
    if "notes" in changes and changes["notes"] is None:
        changes["notes"] = ""
    if "routine" in changes:
        _check_workout_routine(changes["routine"], workout.member)
    changed = apply_changes(workout, changes)
    if "performed_at" in changed:
        _check_not_future("performed_at", workout.performed_at)
        workout.local_date = local_date(workout.performed_at, workout.member.gym.tz)
    if entries is not None:
        before = list(workout.sets.order_by("id"))
        rows = _numbered_sets(entries, workout.member.gym_id, old_exercise_ids={s.exercise_id for s in before})
        old, new = _sets_data(before), _sets_data(rows)
        if old != new:
            _write_sets(workout, rows)
            changed["sets"] = [old, new]
    if changed:
        workout.save()
        audit_record(actor=actor, action="workout.changed", target=workout, gym=workout.member.gym_id,
                     data={"changes": changed})
    return workout


@transaction.atomic
def workout_delete(*, actor: Actor, workout: WorkoutLog) -> None:
    audit_record(actor=actor, action="workout.deleted", target=workout, gym=workout.member.gym_id,
                 data={"member": workout.member_id, "performed_at": audit_value(workout.performed_at)})
    workout.delete()
