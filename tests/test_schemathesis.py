"""Property-based API testing: schemathesis drives every operation of the app's own
OpenAPI schema in-process (WSGI), as an admin with a JWT, with a bounded number of
examples per operation, and fails on any 5xx or any response the schema does not describe.

Schemathesis 4 draws each example in positive or negative mode (its default: both), so bad
input is covered too. The database holds rows with blank and null fields (a member without
email, gender or photo URL; a membership and payment the system wrote, with no staff
user; granted and denied visits), so list answers exercise the shapes of real data.
"""

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
from gymsite.accounts.services import token_pair_for
from gymsite.wsgi import application
from tests.billing.factories import PlanFactory, give_membership
from tests.factories import MemberFactory

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


@pytest.fixture
def admin_headers(admin_user, gym, other_gym, trainer, rows):
    return {"Authorization": f"Bearer {token_pair_for(admin_user)['access_token']}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: keep the suite fast
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_matches_its_schema(case, admin_headers):
    case.call_and_validate(headers=admin_headers, checks=CHECKS)
