from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gymsite.accounts.models import AuditEvent
from training.models import WorkoutLog, WorkoutSet

from .helpers import make_member, make_routine, make_workout

pytestmark = pytest.mark.django_db


def test_log_a_workout_with_its_sets(trainer_client, gym, member, squat, bench):
    routine = make_routine(gym, squat, bench, member=member)
    body = {
        "member": member.pk,
        "routine": routine.pk,
        "performed_at": "2026-03-02T07:30:00-06:00",
        "notes": "felt strong",
        "sets": [
            {"exercise": squat.pk, "reps": 5, "weight_kg": 100},
            {"exercise": squat.pk, "reps": 5, "weight_kg": 102.5, "rpe": 8.5},
            {"exercise": bench.pk, "reps": 8, "weight_kg": 60},
            {"exercise": squat.pk, "set_number": 7, "reps": 3, "weight_kg": 105},
        ],
    }
    r = trainer_client.post("/api/v1/workouts/", body, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert data["local_date"] == "2026-03-02" and data["routine_name"] == routine.name and data["recorded_by"] == "trainer"
    assert sorted((s["exercise"], s["set_number"], s["weight_kg"], s["rpe"]) for s in data["sets"]) == sorted([
        (squat.pk, 1, 100.0, None), (squat.pk, 2, 102.5, 8.5), (bench.pk, 1, 60.0, None), (squat.pk, 7, 105.0, None)
    ])
    assert AuditEvent.objects.get(action="workout.logged").data["member"] == member.pk


@pytest.mark.parametrize(
    "bad",
    [
        {"sets": [{"exercise": "squat", "reps": 5}, {"exercise": "squat", "set_number": 1, "reps": 5}]},  # number twice
        {"sets": [{"exercise": "squat"}]},  # no reps nor duration
        {"sets": [{"exercise": "squat", "reps": 5, "rpe": 11}]},
        {"sets": [{"exercise": "foreign", "reps": 5}]},
        {"performed_at": "2999-01-01T00:00:00Z"},
        {"member": "foreign"},
        {"routine": "foreign"},
        {"sets": "many"},
    ],
)
def test_bad_workouts_save_nothing(trainer_client, other_gym, member, foreign_member, squat, foreign_exercise, bad):
    refs = {"squat": squat.pk, "foreign": foreign_exercise.pk}
    body = {"member": member.pk, "sets": [{"exercise": squat.pk, "reps": 5, "weight_kg": 50}]}
    for key, value in bad.items():
        if isinstance(value, list):
            value = [{**s, "exercise": refs[s["exercise"]]} for s in value]
        elif key == "member" and value == "foreign":
            value = foreign_member.pk
        elif key == "routine":
            value = make_routine(other_gym, squat).pk
        body[key] = value
    r = trainer_client.post("/api/v1/workouts/", body, format="json")
    assert r.status_code == 400, r.json()
    assert not WorkoutLog.objects.exists() and not WorkoutSet.objects.exists()


def test_another_members_routine_is_refused(trainer_client, gym, member, squat):
    theirs = make_routine(gym, squat, member=make_member(gym))
    r = trainer_client.post("/api/v1/workouts/", {"member": member.pk, "routine": theirs.pk}, format="json")
    assert r.status_code == 400 and "routine" in r.json()["errors"]


def test_update_and_delete(trainer_client, member, squat, bench, foreign_member):
    workout = make_workout(member, (squat, 5, 100))
    r = trainer_client.patch(
        f"/api/v1/workouts/{workout.pk}", {"sets": [{"exercise": bench.pk, "reps": 10, "weight_kg": 50}], "member": 1},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert [(s["exercise"], s["reps"]) for s in r.json()["sets"]] == [(bench.pk, 10)] and r.json()["member"] == member.pk
    assert "sets" in AuditEvent.objects.get(action="workout.changed").data["changes"]
    foreign = make_workout(foreign_member, (squat, 5, 100))
    assert trainer_client.get(f"/api/v1/workouts/{foreign.pk}").status_code == 404
    assert trainer_client.delete(f"/api/v1/workouts/{foreign.pk}").status_code == 404
    assert trainer_client.delete(f"/api/v1/workouts/{workout.pk}").status_code == 204
    assert AuditEvent.objects.filter(action="workout.deleted").exists()


def test_filters_and_query_count(receptionist_client, member, squat, bench, django_assert_max_num_queries):
    start = datetime(2026, 1, 5, 15, tzinfo=UTC)
    for week in range(30):
        make_workout(member, (squat, 5, 100), (bench if week % 2 else squat, 5, 60), at=start + timedelta(weeks=week))
    with django_assert_max_num_queries(3):
        r = receptionist_client.get(f"/api/v1/workouts/?member={member.pk}&limit=50")
    assert r.json()["count"] == 30
    assert receptionist_client.get(f"/api/v1/workouts/?exercise={bench.pk}").json()["count"] == 15
    assert receptionist_client.get("/api/v1/workouts/?date_from=2026-01-01&date_to=2026-01-31").json()["count"] == 4
    assert receptionist_client.post("/api/v1/workouts/", {"member": member.pk}, format="json").status_code == 403


# --- GET /progress/ ---------------------------------------------------------------------


def day(n: int) -> datetime:
    return datetime(2026, 3, 2, 15, tzinfo=UTC) + timedelta(days=n)


def test_progress_per_exercise_and_day_with_records(trainer_client, member, squat, bench):
    make_workout(member, (squat, 10, 60), (squat, 8, 65), (bench, 10, 40), at=day(0))
    make_workout(member, (squat, 5, 70), at=day(2))
    make_workout(member, (squat, 12, 60), (squat, 12, 60), at=day(4))
    make_workout(member, (squat, 3, 60), (bench, 10, 40), at=day(7))
    r = trainer_client.get(f"/api/v1/progress/?member={member.pk}&exercise={squat.pk}")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["member"]["full_name"] == "Ana García"
    rows = [(x["date"], x["best_weight"], x["volume"], x["one_rep_max"], x["personal_record"], x["records"]) for x in body["results"]]
    assert rows == [
        ("2026-03-02", 65.0, 1120.0, 82.33, False, []),
        ("2026-03-04", 70.0, 350.0, 81.67, True, ["weight"]),
        ("2026-03-06", 60.0, 1440.0, 84.0, True, ["volume", "one_rep_max"]),
        ("2026-03-09", 60.0, 180.0, 66.0, False, []),
    ]
    # Records count the history before the range too.
    r = trainer_client.get(f"/api/v1/progress/?member={member.pk}&date_from=2026-03-04")
    results = r.json()["results"]
    assert [(x["exercise_name"], x["date"], x["personal_record"]) for x in results] == [
        ("Back squat", "2026-03-04", True), ("Back squat", "2026-03-06", True), ("Back squat", "2026-03-09", False),
        ("Bench press", "2026-03-09", False),
    ]


def test_progress_refusals(trainer_client, receptionist_client, mechanic_client, member, foreign_member):
    assert trainer_client.get("/api/v1/progress/?member=abc").status_code == 400
    r = trainer_client.get(f"/api/v1/progress/?member={foreign_member.pk}")
    assert r.status_code == 404 and r.json()["code"] == "member_not_found"
    r = trainer_client.get(f"/api/v1/progress/?member={member.pk}&date_from=2026-02-01&date_to=2026-01-01")
    assert r.status_code == 400 and r.json()["code"] == "invalid_range"
    assert receptionist_client.get(f"/api/v1/progress/?member={member.pk}").status_code == 200
    assert mechanic_client.get(f"/api/v1/progress/?member={member.pk}").status_code == 403


def test_progress_runs_in_a_fixed_number_of_queries(trainer_client, member, squat, bench, django_assert_num_queries):
    url = f"/api/v1/progress/?member={member.pk}"
    make_workout(member, (squat, 5, 100), at=day(0))
    with CaptureQueriesContext(connection) as few:
        trainer_client.get(url)
    for n in range(1, 60):
        make_workout(member, (squat, 5, 100 + n), (bench, 5, 60 + n), at=day(n))
    with django_assert_num_queries(len(few.captured_queries)):
        r = trainer_client.get(url)
    assert len(r.json()["results"]) == 119


def test_progress_of_the_gym_lists_who_trained_in_the_range(trainer_client, gym, member, foreign_member, squat):
    from datetime import date

    other = make_member(gym, first_name="Luis", last_name="Pérez")
    today = datetime.now(UTC).astimezone(gym.tz).date()
    now = datetime.now(UTC) - timedelta(hours=1)
    make_workout(member, (squat, 5, 100), at=now - timedelta(days=60))  # before the default 30 days
    make_workout(member, (squat, 5, 110), at=now - timedelta(days=2))
    make_workout(other, (squat, 5, 80), at=now - timedelta(days=3))
    make_workout(foreign_member, (squat, 5, 200), at=now - timedelta(days=1))  # another gym
    r = trainer_client.get("/api/v1/progress/")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["member"] is None and body["date_from"] == str(today - timedelta(days=29))
    rows = [(x["member_name"], x["best_weight"], x["personal_record"]) for x in body["results"]]
    # Ana's 110 beats her 100 of two months ago; Luis's first day is no record.
    assert sorted(rows) == [("Ana García", 110.0, True), ("Luis Pérez", 80.0, False)]
    r = trainer_client.get(f"/api/v1/progress/?date_from={date(2000, 1, 1)}")
    assert len(r.json()["results"]) == 3
