from datetime import UTC, datetime

import pytest
import time_machine
from django.db.models import Count

from billing.demo import seed_demo
from billing.models import Membership, Payment, Plan
from gymsite.accounts.models import AuditEvent
from members.demo import seed_demo as seed_members
from members.models import Member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # 3 p.m. in Mexico City


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_seed_demo_is_idempotent_and_varied(gym, frozen):
    seed_members(gym)
    created = seed_demo(gym)
    assert created == Membership.objects.count() == Payment.objects.count()
    assert set(Plan.objects.filter(gym=gym).values_list("name", flat=True)) == {
        "Monthly", "Quarterly", "Yearly", "Day pass",
    }
    assert Plan.objects.get(gym=gym, name="Quarterly").price == 1350
    statuses = [m.status for m in Member.objects.filter(gym=gym)]
    assert statuses.count("paused") == 1
    assert statuses.count("expired") == 2
    assert statuses.count("pending") == 1
    assert statuses.count("active") == len(statuses) - 4
    # Twice changes nothing.
    assert seed_demo(gym) == 0
    assert Membership.objects.count() == created and Plan.objects.count() == 4


def test_demo_payments_are_a_history_paid_when_each_period_began(gym, frozen):
    """Members renewed month after month: each payment is dated the day its period began,
    at the member's usual hour in the gym's zone, never in the future, recorded by the
    desk; the audit log and the members' join dates agree."""
    desk = UserFactory(username="desk", role="receptionist", gym=gym)
    seed_members(gym)
    seed_demo(gym)
    payments = list(Payment.objects.select_related("membership"))
    for payment in payments:
        local = payment.paid_at.astimezone(gym.tz)
        assert local.date() == payment.membership.starts_on
        assert 7 <= local.hour <= 20
        assert payment.paid_at <= NOW
        assert payment.recorded_by == desk
        event = AuditEvent.objects.get(action="payment.recorded", target_id=str(payment.pk))
        assert event.at == payment.paid_at
    months = {p.paid_at.astimezone(gym.tz).strftime("%Y-%m") for p in payments}
    assert len(months) >= 6
    renewed = Membership.objects.values("member").annotate(n=Count("id")).filter(n__gt=1)
    assert renewed.count() >= 5
    for member in Member.objects.filter(memberships__isnull=False).distinct():
        first = member.memberships.order_by("starts_on").first()
        assert member.membership_since == first.starts_on
        assert member.created_at.astimezone(gym.tz).date() == first.starts_on


def test_demo_data_speaks_the_gyms_language(gym, frozen):
    gym.language = "es"
    gym.save()
    seed_members(gym)
    seed_demo(gym)
    assert set(Plan.objects.filter(gym=gym).values_list("name", flat=True)) == {
        "Mensual", "Trimestral", "Anual", "Visita",
    }
    names = set(Member.objects.values_list("first_name", "last_name"))
    assert ("Daniela", "Ortiz") in names and ("Jane", "Member") not in names
    assert Member.objects.get(paused_from__isnull=False).memberships.get(pauses__isnull=False).pauses.get().reason == (
        "Viaje"
    )
