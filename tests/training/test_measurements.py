from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gymsite.accounts.models import AuditEvent
from gymsite.accounts.services import token_pair_for
from training.models import Measurement

from .helpers import make_measurement, make_member

pytestmark = pytest.mark.django_db

SEED_BODY = {
    "height": 175.5, "weight": 75.2, "chest": 95.0, "shoulders": 120.0, "biceps_left": 32.5, "biceps_right": 32.8,
    "forearms_left": 28.0, "forearms_right": 28.2, "abdomen": 82.0, "hips": 95.0, "thighs_left": 58.0,
    "thighs_right": 58.5, "calves_left": 36.0, "calves_right": 36.2,
    "notes": "Good progress on upper body, focus on core strength",
}


def test_trainer_records_seed_001s_measurements_with_bmi_and_audit(trainer_client, trainer, member):
    body = {**SEED_BODY, "member": member.pk, "measured_at": "2026-01-15T10:30:00-06:00"}
    r = trainer_client.post("/api/v1/measurements/", body, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert data["weight"] == 75.2 and data["calves_right"] == 36.2 and data["bmi"] == 24.42
    assert data["member_name"] == "Ana García" and data["recorded_by"] == "trainer"
    assert data["local_date"] == "2026-01-15"
    row = Measurement.objects.get(pk=data["id"])
    assert row.height == Decimal("175.5") and row.recorded_by == trainer
    event = AuditEvent.objects.get(action="measurement.recorded")
    assert event.target_id == str(row.pk) and event.gym_id == member.gym_id and event.data["weight"] == "75.2"


@pytest.mark.parametrize(
    ("field", "value"), [("height", 300), ("height", 49), ("weight", 19.9), ("weight", 401), ("abdomen", 5), ("calves_left", 200)]
)
def test_an_implausible_measure_is_a_400_naming_the_field(trainer_client, member, field, value):
    r = trainer_client.post("/api/v1/measurements/", {"member": member.pk, "weight": 80, field: value}, format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "implausible_measure" and list(body["errors"]) == [field]
    assert not Measurement.objects.exists() and not AuditEvent.objects.exists()


def test_at_least_one_measure(trainer_client, member):
    r = trainer_client.post("/api/v1/measurements/", {"member": member.pk, "notes": "nothing"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "measurement_empty"
    r = trainer_client.post("/api/v1/measurements/", {"member": member.pk, "weight": None}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "measurement_empty"
    assert not Measurement.objects.exists()


def test_bad_input_is_a_400_and_saves_nothing(trainer_client, member, foreign_member):
    cases = [
        {"member": foreign_member.pk, "weight": 80},  # another gym's member
        {"member": member.pk, "weight": "heavy"},
        {"member": member.pk, "weight": 80.25},  # one decimal place
        {"member": member.pk, "weight": 80, "measured_at": "1999-12-31T23:00:00Z"},
        {"member": member.pk, "weight": 80, "measured_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()},
    ]
    for body in cases:
        r = trainer_client.post("/api/v1/measurements/", body, format="json")
        assert r.status_code == 400, (body, r.json())
        assert r.json()["detail"] and r.json()["code"]
    assert trainer_client.post("/api/v1/measurements/", {"member": foreign_member.pk, "weight": 80}, format="json").json()["code"] == "does_not_exist"
    assert not Measurement.objects.exists()


def test_another_gyms_measurement_is_a_404_everywhere(trainer_client, foreign_member):
    foreign = make_measurement(foreign_member, weight=70)
    assert trainer_client.get(f"/api/v1/measurements/{foreign.pk}").status_code == 404
    assert trainer_client.patch(f"/api/v1/measurements/{foreign.pk}", {"weight": 71}, format="json").status_code == 404
    assert trainer_client.delete(f"/api/v1/measurements/{foreign.pk}").status_code == 404
    for suffix in ("", "/latest", "/progress", "/chart.png"):
        r = trainer_client.get(f"/api/v1/measurements/member/{foreign_member.pk}{suffix}")
        assert r.status_code == 404 and r.json()["code"] == "member_not_found", suffix
    assert trainer_client.get("/api/v1/measurements/").json()["count"] == 0
    foreign.refresh_from_db()
    assert foreign.weight == Decimal("70")


def test_update_keeps_the_rules_and_audits_the_change(trainer_client, member):
    m = make_measurement(member, weight=80, height=180)
    r = trainer_client.patch(f"/api/v1/measurements/{m.pk}", {"weight": 79.5, "member": 999}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["weight"] == 79.5 and r.json()["member"] == member.pk and r.json()["bmi"] == 24.54
    assert AuditEvent.objects.get(action="measurement.changed").data["changes"] == {"weight": ["80.0", "79.5"]}
    r = trainer_client.patch(f"/api/v1/measurements/{m.pk}", {"weight": None, "height": None}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "measurement_empty"
    r = trainer_client.put(f"/api/v1/measurements/{m.pk}", {"height": 600}, format="json")
    assert r.status_code == 400 and list(r.json()["errors"]) == ["height"]
    m.refresh_from_db()
    assert (m.weight, m.height) == (Decimal("79.5"), Decimal("180.0"))
    assert trainer_client.delete(f"/api/v1/measurements/{m.pk}").status_code == 204
    assert AuditEvent.objects.filter(action="measurement.deleted", target_id=str(m.pk)).exists()


def test_receptionist_reads_mechanic_nothing(receptionist_client, mechanic_client, member):
    m = make_measurement(member, weight=80)
    assert receptionist_client.get(f"/api/v1/measurements/{m.pk}").status_code == 200
    assert receptionist_client.post("/api/v1/measurements/", {"member": member.pk, "weight": 80}, format="json").status_code == 403
    assert mechanic_client.get("/api/v1/measurements/").status_code == 403


def test_list_filters_by_member_and_gym_local_days(trainer_client, gym, member):
    other = make_member(gym)
    # 23:30 in Mexico City on the 14th is the 15th in UTC: the gym's day counts.
    make_measurement(member, weight=80, at=datetime(2026, 1, 15, 5, 30, tzinfo=UTC))
    make_measurement(member, weight=79, at=datetime(2026, 1, 20, 15, tzinfo=UTC))
    make_measurement(other, weight=60, at=datetime(2026, 1, 20, 15, tzinfo=UTC))
    r = trainer_client.get(f"/api/v1/measurements/?member={member.pk}&date_from=2026-01-15")
    assert [x["weight"] for x in r.json()["results"]] == [79.0]
    r = trainer_client.get(f"/api/v1/measurements/?member={member.pk}&date_to=2026-01-14")
    assert [x["weight"] for x in r.json()["results"]] == [80.0]
    r = trainer_client.get(f"/api/v1/measurements/member/{member.pk}")
    assert [x["weight"] for x in r.json()["results"]] == [79.0, 80.0]
    assert trainer_client.get("/api/v1/measurements/?date_from=2026-02-01&date_to=2026-01-01").json()["code"] == "invalid_range"
    assert trainer_client.get("/api/v1/measurements/?member=abc").status_code == 400


def test_latest_and_404_when_none(trainer_client, member):
    r = trainer_client.get(f"/api/v1/measurements/member/{member.pk}/latest")
    assert r.status_code == 404 and r.json()["code"] == "no_measurements"
    make_measurement(member, weight=80, at=datetime(2026, 1, 5, tzinfo=UTC))
    newest = make_measurement(member, weight=78, at=datetime(2026, 2, 5, tzinfo=UTC))
    make_measurement(member, weight=79, at=datetime(2026, 1, 20, tzinfo=UTC))
    r = trainer_client.get(f"/api/v1/measurements/member/{member.pk}/latest")
    assert r.status_code == 200 and r.json()["id"] == newest.pk


def test_progress_on_a_known_series(trainer_client, member):
    make_measurement(member, weight=90, height=180, abdomen=100, at=datetime(2026, 1, 5, 15, tzinfo=UTC))
    make_measurement(member, weight=88, at=datetime(2026, 1, 12, 15, tzinfo=UTC))
    make_measurement(member, weight=85.5, height=180, abdomen=95, at=datetime(2026, 1, 19, 15, tzinfo=UTC))
    make_measurement(member, weight=84, at=datetime(2026, 3, 1, 15, tzinfo=UTC))  # after the range
    r = trainer_client.get(f"/api/v1/measurements/member/{member.pk}/progress?start_date=2026-01-01&end_date=2026-01-31")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["member"] == {"id": member.pk, "first_name": "Ana", "last_name": "García", "full_name": "Ana García"}
    assert body["measurements_count"] == 3
    weight = body["measures"]["weight"]
    assert (weight["start"], weight["current"], weight["change"], weight["change_percent"], weight["count"]) == (
        90.0, 85.5, -4.5, -5.0, 3
    )
    abdomen = body["measures"]["abdomen"]
    assert (abdomen["change"], abdomen["change_percent"], abdomen["count"]) == (-5.0, -5.0, 2)
    assert body["measures"]["chest"] == {
        "start": None, "current": None, "change": None, "change_percent": None, "count": 0, "start_at": None,
        "current_at": None,
    }
    assert body["measures"]["bmi"]["start"] == 27.78 and body["measures"]["bmi"]["current"] == 26.39
    r = trainer_client.get(f"/api/v1/measurements/member/{member.pk}/progress?start_date=2026-02-01&end_date=2026-01-01")
    assert r.status_code == 400 and r.json()["code"] == "invalid_range"


def test_progress_over_five_years_of_weekly_measurements_runs_in_a_fixed_number_of_queries(
    trainer_client, member, django_assert_num_queries
):
    start = datetime(2021, 1, 4, 15, tzinfo=UTC)

    def load(weeks):
        Measurement.objects.filter(member=member).delete()
        Measurement.objects.bulk_create(
            Measurement(member=member, measured_at=start + timedelta(weeks=w), local_date=(start + timedelta(weeks=w)).date(),
                        weight=Decimal("100") - Decimal("0.1") * w, abdomen=Decimal("110") - Decimal("0.05") * w)
            for w in range(weeks)
        )

    url = f"/api/v1/measurements/member/{member.pk}/progress"
    load(3)
    with CaptureQueriesContext(connection) as few:
        assert trainer_client.get(url).status_code == 200
    load(5 * 52)
    with django_assert_num_queries(len(few.captured_queries)):
        r = trainer_client.get(url)
    assert len(few.captured_queries) <= 2
    weight = r.json()["measures"]["weight"]
    assert weight["count"] == 260 and weight["start"] == 100.0 and weight["current"] == 74.1


def test_list_of_a_member_runs_in_three_queries_and_writes_nothing(client_with_jwt, member, django_assert_max_num_queries):
    for week in range(60):
        make_measurement(member, weight=80 + week / 10, height=180, at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(weeks=week))
    with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(3):
        r = client_with_jwt.get(f"/api/v1/measurements/?member={member.pk}&limit=50")
    assert r.status_code == 200 and r.json()["count"] == 60 and len(r.json()["results"]) == 50
    writes = [q["sql"] for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []


@pytest.fixture
def client_with_jwt(trainer):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(trainer)['access_token']}")
    return client
