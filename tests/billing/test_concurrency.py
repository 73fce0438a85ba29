"""Races against PostgreSQL: two renewals of one member at the same moment both count."""

from datetime import timedelta

import pytest

from billing.models import Membership, Payment
from tests.concurrency import run_together
from tests.conftest import client_for

from .factories import give_membership


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_renewals_give_two_stacked_periods(receptionist, member, monthly):
    give_membership(member, monthly)
    first = Membership.objects.get(member=member)

    def renew():
        client = client_for(receptionist)
        return client.post(
            f"/api/v1/members/{member.pk}/renew", {"plan": monthly.pk, "method": "cash"}, format="json"
        ).status_code

    results = run_together([renew, renew])
    assert results == [200, 200]
    periods = list(Membership.objects.filter(member=member).order_by("starts_on"))
    assert len(periods) == 3
    for previous, current in zip(periods, periods[1:], strict=False):
        assert current.starts_on == previous.expires_on + timedelta(days=1)
    assert periods[0] == first
    member.refresh_from_db()
    assert member.expires_on == periods[-1].expires_on
    assert Payment.objects.filter(member=member).count() == 3
