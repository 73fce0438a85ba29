"""`?gym=` answers alike on every endpoint that takes it: a gym the caller cannot see
(another gym for a non-admin, a missing id for anyone) is 404 `gym_not_found`, and a
malformed value is a 400.

Driven by the URL registry (tests/test_permissions.py's `collect_cases`, with the matrix
providers for URL kwargs): every GET route whose schema documents a `gym` query
parameter, or whose view is gym-scoped, is called by each role that may call it. A new
list, summary or stats endpoint is covered without new test code.
"""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from gymsite.accounts.roles import Role, role_can
from gymsite.accounts.scoping import GymScopedMixin
from tests.conftest import client_for
from tests.test_permissions import CASES, build_url, declared_permission, is_public

MISSING_GYM = 987654


def _schema_key(template: str) -> str:
    return re.sub(r"%\([^)]+\)s", "{}", template).rstrip("/")


def _documented_gym_param() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = set()
    for schema_path, item in schema["paths"].items():
        parameters = item.get("get", {}).get("parameters", [])
        if any(p["in"] == "query" and p["name"] == "gym" for p in parameters):
            documented.add(re.sub(r"\{[^}]+\}", "{}", schema_path).rstrip("/"))
    return documented


DOCUMENTED = _documented_gym_param()
GYM_CASES = [
    case
    for case in CASES
    if case.method == "get"
    and not is_public(case)
    and (_schema_key(case.template) in DOCUMENTED or issubclass(case.view_class, GymScopedMixin))
]


def test_the_gym_param_cases_cover_lists_summaries_and_stats():
    ids = {case.id for case in GYM_CASES}
    for expected in (
        "GET /api/v1/members/",
        "GET /api/v1/payments/summary/",
        "GET /api/v1/attendance/stats/",
        "GET /api/v1/attendance/occupancy/",
        "GET /api/v1/users/",
    ):
        assert any(i.rstrip("/") == expected.rstrip("/") for i in ids), expected
    # Every route that documents ?gym= is among them.
    assert {_schema_key(case.template) for case in GYM_CASES} >= DOCUMENTED


@pytest.mark.parametrize("case", GYM_CASES, ids=[case.id for case in GYM_CASES])
@pytest.mark.django_db
def test_a_gym_the_caller_cannot_see_is_404_gym_not_found(case, staff, gym, other_gym):
    permission = declared_permission(case)
    failures = []
    for role in (Role.ADMIN, Role.TRAINER, Role.RECEPTIONIST, Role.MECHANIC):
        if not role_can(role, permission):
            continue
        user = staff[role]
        client = client_for(user)
        unseen = [MISSING_GYM] if role == Role.ADMIN else [other_gym.pk, MISSING_GYM]
        for value in unseen:
            response = client.get(build_url(case, user, gym), {"gym": value})
            if response.status_code != 404 or response.json().get("code") != "gym_not_found":
                failures.append(f"{role} ?gym={value}: {response.status_code} {response.content[:200]!r}")
        malformed = client.get(build_url(case, user, gym), {"gym": "abc"})
        if malformed.status_code != 400:
            failures.append(f"{role} ?gym=abc: {malformed.status_code} {malformed.content[:200]!r}")
        own = user.gym_id or gym.pk
        seen = client.get(build_url(case, user, gym), {"gym": own})
        if seen.status_code >= 400:
            failures.append(f"{role} ?gym={own} (their gym): {seen.status_code} {seen.content[:200]!r}")
    assert not failures, f"{case.id}:\n" + "\n".join(failures)
