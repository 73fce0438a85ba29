"""The demo training data: idempotent, in the gym's language, through the services."""

import pytest

from gymsite.accounts.models import AuditEvent
from members.models import Member
from tests.factories import GymFactory
from training.demo import DEMO_EXERCISES, DEMO_WEEKS, WORKOUT_WEEKS, seed_demo
from training.models import Exercise, Measurement, Routine, WorkoutLog
from training.selectors import workout_progress

from .helpers import make_member

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_gives_progress_to_show(gym):
    members = [make_member(gym) for _ in range(3)]
    created = seed_demo(gym)
    assert created == len(DEMO_EXERCISES) + 2 + 3 * DEMO_WEEKS + WORKOUT_WEEKS
    assert seed_demo(gym) == 0
    assert Exercise.objects.filter(gym__isnull=True).count() == len(DEMO_EXERCISES)
    assert Routine.objects.filter(member=members[0], source__isnull=False).count() == 1
    assert Measurement.objects.filter(member=members[2]).count() == DEMO_WEEKS
    assert WorkoutLog.objects.filter(member=members[0]).count() == WORKOUT_WEEKS
    assert any(day["personal_record"] for day in workout_progress(Member.objects.filter(pk=members[0].pk), exercise_id=None, date_from=None, date_to=None))
    assert AuditEvent.objects.filter(action="measurement.recorded").count() == 3 * DEMO_WEEKS


def test_a_spanish_gym_gets_spanish_names():
    gym = GymFactory(name="Gimnasio", language="es")
    seed_demo(gym)
    assert Exercise.objects.filter(name="Sentadilla trasera").exists()
    assert Routine.objects.filter(gym=gym, name="Cuerpo completo, principiante").exists()


def test_a_gym_without_members_gets_the_catalogue_and_a_template(gym):
    assert seed_demo(gym) == len(DEMO_EXERCISES) + 1
