"""Two front desks check the same member in at the same instant (PostgreSQL, real threads,
each with its own connection)."""

import functools

import pytest

from attendance.models import Attendance
from tests.concurrency import run_together
from tests.conftest import client_for
from tests.factories import UserFactory

from .conftest import check_in_url, make_member


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempts", [2, 6])
def test_simultaneous_check_ins_let_in_exactly_once(gym, attempts):
    member = make_member(gym)
    desks = [UserFactory(role="receptionist", gym=gym) for _ in range(attempts)]

    def desk(user):
        response = client_for(user).post(check_in_url(member))
        return response.status_code, response.json().get("code")

    outcomes = run_together([functools.partial(desk, user) for user in desks])
    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    results = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]

    assert not errors, errors
    assert sorted(status for status, _ in results) == [201] + [400] * (attempts - 1)
    assert {code for status, code in results if status == 400} <= {"already_checked_in"}
    assert Attendance.objects.filter(member=member, result="granted").count() == 1
    assert (
        Attendance.objects.filter(member=member, result="denied", reason="already_checked_in").count()
        == attempts - 1
    )
    member.refresh_from_db()
    assert member.last_visit_at == Attendance.objects.get(member=member, result="granted").check_in_at
