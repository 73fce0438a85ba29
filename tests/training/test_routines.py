import pytest

from gymsite.accounts.models import AuditEvent
from training.models import Routine, RoutineItem

from .helpers import make_exercise, make_member, make_routine

pytestmark = pytest.mark.django_db


def items(*exercises, **extra):
    return [{"exercise": e.pk, "sets": 3, "reps": 10, **extra} for e in exercises]


def test_a_routine_is_written_with_its_items_in_order(trainer_client, gym, squat, bench, gym_exercise):
    body = {
        "name": "Push day",
        "description": "Mondays",
        "items": [
            {"exercise": bench.pk, "sets": 4, "reps": 8, "weight_kg": 60, "rest_seconds": 120, "notes": "pause reps"},
            {"exercise": gym_exercise.pk, "sets": 3, "duration_seconds": 30},
            {"exercise": squat.pk, "reps": 5, "weight_kg": 100.5},
        ],
    }
    r = trainer_client.post("/api/v1/routines/", body, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert data["gym"] == gym.pk and data["member"] is None and data["created_by"] == "trainer"
    assert [(i["position"], i["exercise_name"], i["sets"], i["reps"], i["duration_seconds"], i["weight_kg"], i["rest_seconds"])
            for i in data["items"]] == [
        (1, "Bench press", 4, 8, None, 60.0, 120),
        (2, "Sled push", 3, None, 30, None, 60),
        (3, "Back squat", 3, 5, None, 100.5, 60),
    ]
    assert AuditEvent.objects.get(action="routine.created").data["items"][0]["exercise"] == bench.pk


@pytest.mark.parametrize(
    "bad_item",
    [
        {"sets": 3},  # neither reps nor a duration
        {"sets": 0, "reps": 5},
        {"reps": 5, "weight_kg": -1},
        {"reps": 5, "weight_kg": "heavy"},
        {"reps": 5, "exercise": 10**9},  # no such exercise
        {"reps": 5, "exercise": "foreign"},  # another gym's exercise
        {"reps": 5, "exercise": "inactive"},
    ],
)
def test_one_bad_item_saves_nothing(trainer_client, gym, squat, bench, foreign_exercise, bad_item):
    inactive = make_exercise(gym, name="Retired", is_active=False)
    bad = {"exercise": bench.pk, **bad_item}
    bad["exercise"] = {"foreign": foreign_exercise.pk, "inactive": inactive.pk}.get(bad["exercise"], bad["exercise"])
    body = {"name": "Leg day", "items": [*items(squat), bad, *items(squat)]}
    r = trainer_client.post("/api/v1/routines/", body, format="json")
    assert r.status_code == 400, r.json()
    assert any(key.startswith("items.1") for key in r.json()["errors"]), r.json()
    assert not Routine.objects.exists() and not RoutineItem.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="routine.").exists()

    routine = make_routine(gym, squat, bench, name="Kept")
    r = trainer_client.put(f"/api/v1/routines/{routine.pk}", {"name": "Changed", "items": body["items"]}, format="json")
    assert r.status_code == 400
    routine.refresh_from_db()
    assert routine.name == "Kept"
    assert list(routine.items.values_list("position", "exercise_id")) == [(1, squat.pk), (2, bench.pk)]


def test_a_failure_while_writing_the_items_rolls_the_routine_back(trainer_client, squat, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(RoutineItem.objects, "bulk_create", explode)
    trainer_client.raise_request_exception = False
    r = trainer_client.post("/api/v1/routines/", {"name": "Doomed", "items": items(squat)}, format="json")
    assert r.status_code == 500
    assert not Routine.objects.exists() and not AuditEvent.objects.filter(action__startswith="routine.").exists()


def test_update_replaces_the_items_and_audits(trainer_client, gym, squat, bench, gym_exercise):
    routine = make_routine(gym, squat, bench)
    r = trainer_client.patch(f"/api/v1/routines/{routine.pk}", {"items": items(gym_exercise, squat)}, format="json")
    assert r.status_code == 200, r.json()
    assert [i["exercise"] for i in r.json()["items"]] == [gym_exercise.pk, squat.pk]
    assert list(routine.items.order_by("position").values_list("exercise_id", flat=True)) == [gym_exercise.pk, squat.pk]
    changes = AuditEvent.objects.get(action="routine.changed").data["changes"]
    assert [i["exercise"] for i in changes["items"][1]] == [gym_exercise.pk, squat.pk]
    r = trainer_client.patch(f"/api/v1/routines/{routine.pk}", {"description": "new"}, format="json")
    assert r.status_code == 200 and len(r.json()["items"]) == 2
    r = trainer_client.patch(f"/api/v1/routines/{routine.pk}", {"gym": 12345}, format="json")
    assert r.status_code == 200 and r.json()["gym"] == gym.pk


def test_assign_makes_the_members_own_copy(trainer_client, gym, squat, bench, member):
    template = make_routine(gym, squat, bench, name="Beginner")
    r = trainer_client.post(f"/api/v1/routines/{template.pk}/assign", {"member": member.pk}, format="json")
    assert r.status_code == 201, r.json()
    copy = r.json()
    assert copy["id"] != template.pk and copy["member"] == member.pk and copy["source"] == template.pk
    assert [i["exercise"] for i in copy["items"]] == [squat.pk, bench.pk]
    # The copy is the member's to change: the template stays as it was.
    trainer_client.patch(f"/api/v1/routines/{copy['id']}", {"items": items(squat)}, format="json")
    assert template.items.count() == 2
    r = trainer_client.get(f"/api/v1/members/{member.pk}/routines")
    assert r.status_code == 200 and [x["id"] for x in r.json()["results"]] == [copy["id"]]
    assert AuditEvent.objects.filter(action="routine.assigned", target_id=str(copy["id"])).exists()
    assert trainer_client.get(f"/api/v1/routines/?member={member.pk}").json()["count"] == 1
    assert trainer_client.get("/api/v1/routines/?is_template=true").json()["count"] == 1


def test_another_gyms_routine_or_member(trainer_client, gym, other_gym, squat, member, foreign_member):
    foreign = make_routine(other_gym, squat)
    assert trainer_client.get(f"/api/v1/routines/{foreign.pk}").status_code == 404
    assert trainer_client.post(f"/api/v1/routines/{foreign.pk}/assign", {"member": member.pk}, format="json").status_code == 404
    assert trainer_client.delete(f"/api/v1/routines/{foreign.pk}").status_code == 404
    assert trainer_client.get(f"/api/v1/members/{foreign_member.pk}/routines").status_code == 404
    mine = make_routine(gym, squat)
    r = trainer_client.post(f"/api/v1/routines/{mine.pk}/assign", {"member": foreign_member.pk}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "does_not_exist"
    r = trainer_client.post("/api/v1/routines/", {"name": "x", "member": foreign_member.pk}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "does_not_exist"
    assert Routine.objects.count() == 2


def test_roles(receptionist_client, mechanic_client, gym, squat, member):
    routine = make_routine(gym, squat)
    assert receptionist_client.get(f"/api/v1/routines/{routine.pk}").status_code == 200
    assert receptionist_client.get(f"/api/v1/members/{member.pk}/routines").status_code == 200
    assert receptionist_client.post(f"/api/v1/routines/{routine.pk}/assign", {"member": member.pk}, format="json").status_code == 403
    assert mechanic_client.get("/api/v1/routines/").status_code == 403


def test_delete_audits_and_keeps_logged_workouts(trainer_client, gym, squat, member):
    from .helpers import make_workout

    routine = make_routine(gym, squat)
    workout = make_workout(member, (squat, 5, 100))
    workout.routine = routine
    workout.save()
    assert trainer_client.delete(f"/api/v1/routines/{routine.pk}").status_code == 204
    workout.refresh_from_db()
    assert workout.routine is None and workout.sets.count() == 1
    assert AuditEvent.objects.filter(action="routine.deleted", target_id=str(routine.pk)).exists()


def test_list_runs_in_a_fixed_number_of_queries(trainer_client, gym, squat, bench, django_assert_max_num_queries):
    for n in range(20):
        make_routine(gym, squat, bench, member=make_member(gym) if n % 2 else None)
    with django_assert_max_num_queries(3):
        r = trainer_client.get("/api/v1/routines/?limit=50")
    assert r.json()["count"] == 20 and all(len(x["items"]) == 2 for x in r.json()["results"])
