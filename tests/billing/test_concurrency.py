"""Races against PostgreSQL: two renewals of one member at the same moment both count."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection

from billing.models import Membership, Payment
from tests.conftest import client_for

from .factories import give_membership


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_renewals_give_two_stacked_periods(receptionist, member, monthly):
    give_membership(member, monthly)
    first = Membership.objects.get(member=member)
    barrier = threading.Barrier(2)
    results = []

    def renew():
        try:
            client = client_for(receptionist)
            barrier.wait(timeout=10)
            response = client.post(
                f"/api/v1/members/{member.pk}/renew", {"plan": monthly.pk, "method": "cash"}, format="json"
            )
            results.append(response.status_code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=renew) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results == [200, 200]
    periods = list(Membership.objects.filter(member=member).order_by("starts_on"))
    assert len(periods) == 3
    for previous, current in zip(periods, periods[1:], strict=False):
        assert current.starts_on == previous.expires_on + timedelta(days=1)
    assert periods[0] == first
    member.refresh_from_db()
    assert member.expires_on == periods[-1].expires_on
    assert Payment.objects.filter(member=member).count() == 3
