import pytest

from gymsite.accounts.models import AuditEvent
from training.models import Exercise

from .helpers import make_exercise, make_member, make_routine, make_workout

pytestmark = pytest.mark.django_db


def test_trainer_creates_an_exercise_of_their_gym(trainer_client, gym, trainer):
    body = {"name": "Goblet squat", "description": "Hold the bell close", "muscle_groups": ["quadriceps", "glutes", "quadriceps"],
            "equipment": "kettlebell", "category": "strength"}
    r = trainer_client.post("/api/v1/exercises/", body, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert data["gym"] == gym.pk and data["is_global"] is False and data["muscle_groups"] == ["quadriceps", "glutes"]
    assert data["created_by"] == "trainer"
    assert AuditEvent.objects.filter(action="exercise.created", target_id=str(data["id"]), gym=gym).exists()
    r = trainer_client.post("/api/v1/exercises/", {**body, "name": "goblet SQUAT"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "exercise_name_taken"


def test_global_exercises_are_the_admins(admin_client, trainer_client, squat, gym):
    r = admin_client.post("/api/v1/exercises/", {"name": "Lunge", "gym": None}, format="json")
    assert r.status_code == 201 and r.json()["is_global"] is True and r.json()["gym"] is None
    r = admin_client.post("/api/v1/exercises/", {"name": "Gym lunge", "gym": gym.pk}, format="json")
    assert r.status_code == 201 and r.json()["gym"] == gym.pk
    # A trainer sees the global catalogue but does not change it.
    assert trainer_client.get(f"/api/v1/exercises/{squat.pk}").status_code == 200
    r = trainer_client.patch(f"/api/v1/exercises/{squat.pk}", {"name": "Squat!"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "global_exercise"
    assert trainer_client.delete(f"/api/v1/exercises/{squat.pk}").status_code == 403
    r = trainer_client.post("/api/v1/exercises/", {"name": "Mine", "gym": None}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "global_exercise"
    assert not Exercise.objects.filter(name="Mine").exists()
    squat.refresh_from_db()
    assert squat.name == "Back squat"


def test_another_gyms_exercise_is_a_404(trainer_client, foreign_exercise, other_gym):
    assert trainer_client.get(f"/api/v1/exercises/{foreign_exercise.pk}").status_code == 404
    assert trainer_client.patch(f"/api/v1/exercises/{foreign_exercise.pk}", {"name": "x"}, format="json").status_code == 404
    r = trainer_client.post("/api/v1/exercises/", {"name": "x", "gym": other_gym.pk}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "does_not_exist"


def test_search_and_filters(receptionist_client, squat, bench, gym_exercise, foreign_exercise):
    make_exercise(None, name="Rowing machine", category="cardio", equipment="cardio_machine", muscle_groups=["full_body"])
    make_exercise(None, name="Old press", is_active=False, muscle_groups=["chest"])

    def names(query):
        r = receptionist_client.get(f"/api/v1/exercises/{query}")
        assert r.status_code == 200, r.json()
        return sorted(x["name"] for x in r.json()["results"])

    assert names("") == ["Back squat", "Bench press", "Old press", "Rowing machine", "Sled push"]
    assert names("?search=squat") == ["Back squat"]
    assert names("?search=PRESS&is_active=true") == ["Bench press"]
    assert names("?category=cardio") == ["Rowing machine"]
    assert names("?equipment=barbell") == ["Back squat", "Bench press"]
    assert names("?muscle_group=quadriceps") == ["Back squat", "Sled push"]
    assert names("?muscle_group=chest&is_active=false") == ["Old press"]
    assert names("?is_global=false") == ["Sled push"]
    assert names("?is_global=true&ordering=-name") == ["Back squat", "Bench press", "Old press", "Rowing machine"]
    for bad in ("?category=yoga", "?muscle_group=nose", "?is_active=maybe", "?gym=abc"):
        assert receptionist_client.get(f"/api/v1/exercises/{bad}").status_code == 400, bad


def test_admin_narrows_to_a_gym_and_the_global_ones(admin_client, squat, gym_exercise, foreign_exercise, other_gym):
    r = admin_client.get(f"/api/v1/exercises/?gym={other_gym.pk}")
    assert sorted(x["name"] for x in r.json()["results"]) == ["Back squat", "Foreign lunge"]
    assert admin_client.get("/api/v1/exercises/?gym=999999").json()["code"] == "gym_not_found"


def test_an_exercise_in_use_is_deactivated_not_deleted(trainer_client, gym, gym_exercise):
    unused = make_exercise(gym, name="Unused")
    assert trainer_client.delete(f"/api/v1/exercises/{unused.pk}").status_code == 204
    assert AuditEvent.objects.filter(action="exercise.deleted", target_id=str(unused.pk)).exists()
    make_routine(gym, gym_exercise)
    r = trainer_client.delete(f"/api/v1/exercises/{gym_exercise.pk}")
    assert r.status_code == 409 and r.json()["code"] == "exercise_in_use"
    other = make_exercise(gym, name="Logged")
    make_workout(make_member(gym), (other, 5, 20))
    assert trainer_client.delete(f"/api/v1/exercises/{other.pk}").json()["code"] == "exercise_in_use"
    r = trainer_client.patch(f"/api/v1/exercises/{gym_exercise.pk}", {"is_active": False, "gym": 5}, format="json")
    assert r.status_code == 200 and r.json()["is_active"] is False and r.json()["gym"] == gym.pk
    assert Exercise.objects.filter(pk=gym_exercise.pk).exists()
    assert AuditEvent.objects.get(action="exercise.changed").data["changes"] == {"is_active": [True, False]}


def test_bad_exercise_input(trainer_client):
    for body in ({"name": ""}, {"name": "x", "muscle_groups": ["nose"]}, {"name": "x", "category": "yoga"},
                 {"name": "x", "muscle_groups": "chest"}, {"name": "x" * 200}):
        r = trainer_client.post("/api/v1/exercises/", body, format="json")
        assert r.status_code == 400, body
    assert not Exercise.objects.exists()
