"""Permission-matrix providers for training's routes (see tests/matrix.py)."""

from tests.matrix import provides

from .helpers import make_exercise, make_measurement, make_member, make_routine, make_workout


@provides("measurement", "pk")
def measurement_pk(ctx):
    return make_measurement(make_member(ctx.gym), weight=80).pk


@provides("measurement", "member_id")
def measurement_member_id(ctx):
    member = make_member(ctx.gym)
    make_measurement(member, weight=80, height=180)
    return member.pk


@provides("exercise", "pk")
def exercise_pk(ctx):
    # The gym's own exercise, unused, so the trainer's and the admin's DELETE succeed.
    return make_exercise(ctx.gym).pk


@provides("routine", "pk")
def routine_pk(ctx):
    return make_routine(ctx.gym, make_exercise(ctx.gym)).pk


@provides("workout", "pk")
def workout_pk(ctx):
    return make_workout(make_member(ctx.gym), (make_exercise(ctx.gym), 10, 50)).pk
