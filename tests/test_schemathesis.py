"""Property-based API testing: schemathesis drives every operation of the app's own
OpenAPI schema in-process (WSGI), as each role with a JWT, with a bounded number of
examples per operation, and fails on any 5xx or any response the schema does not describe.

As an admin (every operation open to them) it runs schemathesis' coverage cases (boundary
values, missing and wrong-typed fields: a few dozen requests per operation, most of this
file's time) and generated examples. As a trainer, a receptionist and a mechanic it runs
fewer generated examples only: their answers (403s, another gym's 404s, lists scoped to
their gym) must match the schema too. Schemathesis 4 draws each example in positive or
negative mode (its default: both), so bad input is covered too. The database holds rows with blank and null fields (a member without
email, gender or photo URL; a membership and payment the system wrote, with no staff
user; granted and denied visits), so list answers exercise the shapes of real data.
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from attendance.models import Attendance, AttendanceResult, AttendanceSource, DenialReason
from gymsite.accounts.roles import Role
from gymsite.accounts.services import token_pair_for
from gymsite.wsgi import application
from tests.billing.factories import PlanFactory, give_membership
from tests.factories import MemberFactory
from tests.inspections.ai_server import ChatServer
from tests.training.helpers import make_exercise, make_measurement, make_routine, make_workout

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app fires request_started/finished, whose close_old_connections would
    close the test's connection mid-transaction on PostgreSQL; Django's own test client
    disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _ai_provider(settings):
    """POST /ai/analyze answers 503 without an AI provider and 502 when it fails, by design
    (tests/inspections/test_ai.py): here it talks to a local chat completions server that
    always suggests "na", an answer that fits every question type."""
    with ChatServer() as chat:
        chat.content = json.dumps(
            {"answer_value": "na", "confidence": 0.5, "explanation": "", "is_flagged": False, "comments": ""}
        )
        settings.AI_BASE_URL, settings.AI_MODEL = chat.base_url, "stub"
        yield


@pytest.fixture
def rows(gym):
    member = MemberFactory(gym=gym, email="", gender="", photo_url="", document_id="")
    give_membership(member, PlanFactory(gym=gym))
    now = timezone.now()
    for result, reason in ((AttendanceResult.GRANTED, ""), (AttendanceResult.DENIED, DenialReason.values[0])):
        Attendance.objects.create(
            member=member, gym=gym, check_in_at=now, local_date=now.astimezone(gym.tz).date(),
            result=result, reason=reason, source=AttendanceSource.FRONT_DESK,
        )
    # Training: a sitting with one measure (no BMI), a global exercise in a template
    # routine and a member's copy, a workout with a body-weight set (no weight).
    exercise = make_exercise(None, name="Push-up")
    make_measurement(member, weight=80)
    make_routine(gym, exercise, member=member)
    make_workout(member, (exercise, 20, None))


@pytest.fixture
def inspection_rows(gym, mechanic):
    """A checklist of every question type, an inspection with answers (a photo, an n/a, a
    failure) and a completed one: the inspections' answers carry real data."""
    from tests.inspections.helpers import (
        add_question,
        answer,
        complete,
        make_checklist,
        png_bytes,
        start,
    )

    checklist = make_checklist(None, name="Every gym")
    belt = add_question(checklist, type="pass_fail", allow_photos=True, allow_na=True)
    choice = add_question(
        checklist, type="multiple_choice", options=[{"label": "Good", "score": 3}, {"label": "Bad", "score": 0, "is_failed": True}]
    )
    add_question(checklist, type="number", min_value=1, max_value=2, required=False)
    draft = start(mechanic, checklist)
    answer(mechanic, draft, belt, "pass", photos=[png_bytes()])
    answer(mechanic, draft, choice, "Bad")
    done = start(mechanic, checklist, vehicle_plate="", asset="Treadmill #4")
    answer(mechanic, done, belt, "na")
    answer(mechanic, done, choice, "Good")
    complete(mechanic, done)


@pytest.fixture
def headers(staff, other_gym, rows, inspection_rows) -> dict[str, dict[str, str]]:
    """Authorization headers of one staff user per role (all but the admin in `gym`)."""
    return {
        role: {"Authorization": f"Bearer {token_pair_for(user)['access_token']}"}
        for role, user in staff.items()
    }


HYPOTHESIS = {
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    "derandomize": True,
    # No shrinking: keep the suite fast.
}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=10, phases=[Phase.explicit, Phase.generate], **HYPOTHESIS)
def test_api_matches_its_schema_as_admin(case, headers):
    case.call_and_validate(headers=headers[Role.ADMIN], checks=CHECKS)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.TRAINER, Role.RECEPTIONIST, Role.MECHANIC])
@schema.parametrize()
@settings(max_examples=5, phases=[Phase.generate], **HYPOTHESIS)
def test_api_matches_its_schema_as_each_other_role(case, role, headers):
    case.call_and_validate(headers=headers[role], checks=CHECKS)
