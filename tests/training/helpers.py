"""Builders for training's tests: rows made through the services, as the API makes them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from gymsite.accounts.audit import Actor
from members.models import Member
from tests.factories import MemberFactory
from training import services
from training.models import Exercise

_counter = iter(range(1, 10**9))


def make_member(gym, **kwargs) -> Member:
    return Member.objects.select_related("gym").get(pk=MemberFactory(gym=gym, **kwargs).pk)


def make_measurement(member, *, at: datetime | None = None, user=None, **measures):
    measures = {k: Decimal(str(v)) for k, v in (measures or {"weight": 80}).items()}
    return services.measurement_record(actor=Actor(user=user), member=member, measures=measures, measured_at=at)


def make_exercise(gym=None, *, name=None, **kwargs) -> Exercise:
    return services.exercise_create(actor=Actor.system(), gym=gym, name=name or f"Exercise {next(_counter)}", **kwargs)


def make_routine(gym, *exercises, member=None, user=None, name=None):
    items = [services.Item(exercise=e, sets=3, reps=10) for e in exercises]
    return services.routine_create(
        actor=Actor(user=user), gym=gym, name=name or f"Routine {next(_counter)}", member=member, items=items
    )


def make_workout(member, *sets, at=None, user=None):
    """`make_workout(member, (bench, 10, "60"), (bench, 8, "65"))`: (exercise, reps, kg)."""
    entries = [
        services.SetEntry(exercise=e, reps=r, weight_kg=None if w is None else Decimal(str(w))) for e, r, w in sets
    ]
    return services.workout_log(actor=Actor(user=user), member=member, sets=entries, performed_at=at)
