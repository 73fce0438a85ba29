"""Races against PostgreSQL: two renewals of one member at the same moment both count; two
reminder runs at the same moment send each reminder once."""

from datetime import timedelta

import pytest

from billing.models import ExpiryReminder, Membership, Payment
from billing.services import expiry_reminders_send
from tests.concurrency import run_together
from tests.conftest import client_for

from .factories import MemberFactory, give_membership


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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reminder_runs_send_each_reminder_once(smtp, gym, monthly, frozen):
    """A slow SMTP server makes the two runs' sends overlap: the row lock and the claim
    give each reminder to one run."""
    emails = [f"m{n}@example.com" for n in range(6)]
    frozen(2026, 1, 1)
    for email in emails:
        give_membership(MemberFactory(gym=gym, email=email), monthly)  # Jan 1 – Feb 1
    frozen(2026, 1, 29)
    smtp.delay = 0.2
    results = run_together([expiry_reminders_send, expiry_reminders_send])
    assert sum(r["upcoming"] for r in results) == len(emails)
    assert sorted(rcpt for (rcpt,) in smtp.recipients) == emails
    assert ExpiryReminder.objects.filter(sent_at__isnull=False, attempts=1).count() == len(emails)
