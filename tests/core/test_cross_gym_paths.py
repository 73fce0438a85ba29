"""Another gym's rows named in a path answer exactly like rows that do not exist, on every
route of the registry (tests/test_permissions.py) and for every method it has: the
regression net of issue 8's cross-gym probe, which sent gym 2's receptionist and trainer
to every /api/v1 path with gym 1's ids over HTTP and found no difference.

The rows come from the permission matrix's providers (tests/<app>/matrix.py), built in
the main gym for a user of the caller's role there; the caller works at the other gym.
Nothing the caller sends may change them."""

from __future__ import annotations

import pytest

from gymsite.accounts.roles import Role
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.test_permissions import CASES, is_public, provide_kwargs

pytestmark = pytest.mark.django_db

MISSING_ID = 987654
# A value no row has, for the kwargs that are not ids (a day is no row: it stays).
MISSING_TEXT = {"document_id": "DOC-NO-SUCH-ROW", "phone": "+520000000009"}
# A public route's kwarg is a capability (a calendar feed's token), not a row of the
# caller's gym: whoever holds it may read, so it is not swept here.
WITH_KWARGS = [case for case in CASES if case.kwargs and not is_public(case)]
ROLES = [Role.RECEPTIONIST, Role.TRAINER]


def _missing_values(values: dict) -> dict:
    return {
        kwarg: MISSING_ID if isinstance(value, int) else MISSING_TEXT.get(kwarg, value)
        for kwarg, value in values.items()
    }


def _answer(response):
    body = (
        response.json() if response.get("Content-Type", "").startswith("application/json") else None
    )
    if response.status_code < 300:
        return response.status_code, body
    return response.status_code, body.get("code") if isinstance(body, dict) else body


def test_the_sweep_found_routes_with_ids():
    assert len(WITH_KWARGS) > 30
    assert {"member_id", "pk", "token_id", "document_id", "phone", "day"} <= {
        kwarg for case in WITH_KWARGS for kwarg in case.kwargs
    }


@pytest.mark.parametrize("case", WITH_KWARGS, ids=[case.id for case in WITH_KWARGS])
def test_another_gyms_row_answers_like_a_missing_one(case, staff, gym, other_gym):
    failures = []
    for role in ROLES:
        owner = staff[role]  # builds the rows: the main gym's user of that role
        caller = client_for(UserFactory(role=role, gym=other_gym))
        values = provide_kwargs(case, owner, gym)
        foreign = case.template % values
        missing = case.template % _missing_values(values)
        data = {} if case.method != "get" else None
        seen = _answer(getattr(caller, case.method)(foreign, data, format="json"))
        unseen = _answer(getattr(caller, case.method)(missing, data, format="json"))
        if seen != unseen:
            failures.append(f"{role}: another gym's row {seen} but a missing one {unseen}")
        if 200 <= seen[0] < 300 and "day" not in case.kwargs and "phone" not in case.kwargs:
            failures.append(f"{role}: another gym's row answered {seen}")
    assert not failures, f"{case.id}:\n" + "\n".join(failures)
