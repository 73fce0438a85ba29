"""The admin writes through the services: a measurement out of range is refused on its
field, an owner's changes are audited, the member's page shows recent measurements."""

from decimal import Decimal

import pytest

from gymsite.accounts.models import AuditEvent
from tests.admin_pages import ES, signed_in
from training.models import Exercise, Measurement

from .helpers import make_measurement, make_routine, make_workout

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(admin_user):
    return signed_in(admin_user)


def test_measurement_pages_and_writes_go_through_the_service(owner, member):
    m = make_measurement(member, weight=80, height=180)
    assert owner.get("/admin/training/measurement/").status_code == 200
    page = owner.get(f"/admin/training/measurement/{m.pk}/change/").content.decode()
    assert "80.0" in page
    form = {"measured_at_0": "2026-01-05", "measured_at_1": "10:00:00", "weight": "500", "height": "180", "notes": ""}
    r = owner.post(f"/admin/training/measurement/{m.pk}/change/", form)
    assert r.status_code == 200 and "Give a value between 20 and 400 kg." in r.content.decode()
    m.refresh_from_db()
    assert m.weight == Decimal("80.0")
    r = owner.post(f"/admin/training/measurement/{m.pk}/change/", {**form, "weight": "79.5"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.weight == Decimal("79.5") and AuditEvent.objects.filter(action="measurement.changed").exists()
    r = owner.post("/admin/training/measurement/add/", {**form, "member": member.pk, "weight": "81"})
    assert r.status_code == 302 and Measurement.objects.count() == 2
    assert AuditEvent.objects.filter(action="measurement.recorded", actor_user__isnull=False).exists()


def test_member_page_shows_recent_measurements_in_spanish(owner, member):
    make_measurement(member, weight=80, height=180)
    html = owner.get(f"/admin/members/member/{member.pk}/change/", **ES).content.decode()
    assert "Medidas recientes" in html and "24,69" in html and "perímetro abdominal" in html


def test_exercise_routine_and_workout_pages(owner, gym, member, squat):
    r = owner.post("/admin/training/exercise/add/", {"name": "Lunge", "muscle_groups": ["glutes", "quadriceps"],
                                                      "equipment": "dumbbell", "category": "strength", "is_active": "on"})
    assert r.status_code == 302
    lunge = Exercise.objects.get(name="Lunge")
    assert lunge.gym is None and lunge.muscle_groups == ["glutes", "quadriceps"]
    assert AuditEvent.objects.filter(action="exercise.created", target_id=str(lunge.pk)).exists()
    routine = make_routine(gym, squat, member=member)
    workout = make_workout(member, (squat, 5, 100))
    for url in ("/admin/training/exercise/", f"/admin/training/routine/{routine.pk}/change/",
                f"/admin/training/workoutlog/{workout.pk}/change/", "/admin/training/routine/", "/admin/training/workoutlog/"):
        assert owner.get(url).status_code == 200, url
    r = owner.post(f"/admin/training/exercise/{squat.pk}/delete/", {"post": "yes"})
    assert Exercise.objects.filter(pk=squat.pk).exists()  # in use: refused with a message
