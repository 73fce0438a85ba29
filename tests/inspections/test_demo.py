"""The demo equipment checklist: idempotent, in the gym's language, with a completed
inspection by the demo mechanic whose report renders."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from gymsite.accounts.models import Gym, User
from inspections.demo import QUESTIONS, seed_demo
from inspections.models import Checklist, Inspection
from tests.conftest import client_for
from tests.factories import GymFactory

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent(gym, mechanic):
    assert seed_demo(gym) == 1
    assert seed_demo(gym) == 0
    checklist = Checklist.objects.get(gym=gym)
    assert checklist.questions.count() == len(QUESTIONS)
    assert {q.type for q in checklist.questions.all()} == {"pass_fail", "yes_no", "rating", "number", "text", "multiple_choice", "photo"}
    inspection = Inspection.objects.get()
    assert inspection.status == "completed" and inspection.mechanic == mechanic and inspection.asset == "Treadmill #4"
    assert inspection.flagged_items_count == 1 and inspection.max_score == 45 and inspection.score == Decimal("22.50")
    report = client_for(mechanic).get(f"/api/v1/inspections/{inspection.pk}/report.pdf")
    assert len(PdfReader(io.BytesIO(report.content)).pages) == 1


def test_make_runs_demo_in_spanish(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    gym = Gym.objects.get(name="Main Gym")
    checklist = Checklist.objects.get(gym=gym)
    assert checklist.name == "Revisión de equipos del gimnasio"
    assert Inspection.objects.get().mechanic == User.objects.get(username="mechanic")
    call_command("seed_demo", stdout=io.StringIO())
    assert Checklist.objects.count() == 1 and Inspection.objects.count() == 1


def test_a_gym_without_a_mechanic_gets_the_checklist_only():
    gym = GymFactory(name="Solo", language="en")
    assert seed_demo(gym) == 1
    assert Checklist.objects.get(gym=gym).name == "Gym equipment check"
    assert not Inspection.objects.exists()
