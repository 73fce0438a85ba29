"""Races against PostgreSQL: editors of one routine (or workout) queue up on its row lock,
so its items are always exactly one editor's list; two trainers naming an exercise alike
at once get one exercise and a 400, never a 500."""

import pytest

from tests.concurrency import run_together
from tests.conftest import client_for
from training.models import Exercise, RoutineItem, WorkoutSet

from .helpers import make_exercise, make_member, make_routine, make_workout


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_item_lists_never_interleave(gym, trainer, admin_user):
    exercises = [make_exercise(gym, name=f"E{i}") for i in range(6)]
    routine = make_routine(gym, *exercises[:2])
    lists = [
        [{"exercise": e.pk, "sets": n + 1, "reps": 5} for e in exercises[n % 3 : n % 3 + 3 + n % 2]] for n in range(8)
    ]

    def edit(items, user):
        return lambda: client_for(user).put(f"/api/v1/routines/{routine.pk}", {"name": "Shared", "items": items}, format="json")

    responses = run_together([edit(items, trainer if n % 2 else admin_user) for n, items in enumerate(lists)])
    assert [r.status_code for r in responses] == [200] * 8, [r.content[:200] for r in responses]
    final = list(RoutineItem.objects.filter(routine=routine).order_by("position").values_list("exercise_id", "sets"))
    assert [p for p in RoutineItem.objects.filter(routine=routine).order_by("position").values_list("position", flat=True)] == list(
        range(1, len(final) + 1)
    )
    assert final in [[(i["exercise"], i["sets"]) for i in items] for items in lists]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_set_lists_never_interleave(gym, trainer):
    bench = make_exercise(gym, name="Bench")
    workout = make_workout(make_member(gym), (bench, 5, 50))
    lists = [[{"exercise": bench.pk, "reps": 5, "weight_kg": 50 + n} for _ in range(n + 1)] for n in range(6)]

    def edit(sets):
        return lambda: client_for(trainer).put(f"/api/v1/workouts/{workout.pk}", {"sets": sets}, format="json")

    responses = run_together([edit(sets) for sets in lists])
    assert [r.status_code for r in responses] == [200] * 6
    final = list(WorkoutSet.objects.filter(workout=workout).order_by("set_number").values_list("set_number", "weight_kg"))
    weights = {w for _, w in final}
    assert len(weights) == 1 and [n for n, _ in final] == list(range(1, len(final) + 1))
    assert len(final) == int(weights.pop()) - 50 + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_exercise_of_a_name_however_many_ask_at_once(gym, trainer):
    def create():
        return client_for(trainer).post("/api/v1/exercises/", {"name": "Hip thrust"}, format="json")

    responses = run_together([create] * 8)
    assert sorted(r.status_code for r in responses) == [201] + [400] * 7
    assert {r.json()["code"] for r in responses if r.status_code == 400} == {"exercise_name_taken"}
    assert Exercise.objects.filter(name__iexact="hip thrust").count() == 1
