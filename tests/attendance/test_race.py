"""Two front desks check the same member in at the same instant (PostgreSQL, real threads,
each with its own connection)."""

import threading

import pytest
from django.db import connection

from attendance.models import Attendance
from tests.conftest import client_for
from tests.factories import UserFactory

from .conftest import check_in_url, make_member


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempts", [2, 6])
def test_simultaneous_check_ins_let_in_exactly_once(gym, attempts):
    member = make_member(gym)
    desks = [UserFactory(role="receptionist", gym=gym) for _ in range(attempts)]
    barrier = threading.Barrier(attempts)
    results: list[tuple[int, str | None]] = []
    errors: list[BaseException] = []

    def desk(user):
        try:
            client = client_for(user)
            barrier.wait(timeout=10)
            response = client.post(check_in_url(member))
            results.append((response.status_code, response.json().get("code")))
        except BaseException as exc:  # surfaced below; a thread must not swallow it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(user,)) for user in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

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
