from datetime import date
from decimal import Decimal

import pytest

from billing.models import Membership, Payment
from gymsite.accounts.models import AuditEvent
from members.models import Member

from .factories import PlanFactory

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/members/"


def person(**extra):
    return {"first_name": "Bob", "last_name": "Member", "phone": "+1234567894", "gender": "male", **extra}


def test_enroll_without_a_plan_is_pending(receptionist_client):
    response = receptionist_client.post(MEMBERS, person(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["current_plan"] is None and body["expires_on"] is None
    assert not Membership.objects.exists() and not Payment.objects.exists()


def test_enroll_with_a_plan_makes_member_membership_and_payment(receptionist_client, receptionist, monthly, frozen):
    frozen(2026, 1, 1)
    response = receptionist_client.post(
        MEMBERS, person(plan=monthly.pk, amount="450.00", method="cash"), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "active"
    assert body["current_plan"] == {"id": monthly.pk, "name": "Mensual"}
    assert body["expires_on"] == "2026-02-01"  # Jan 1 + 1 month
    assert body["membership_since"] == "2026-01-01"
    member = Member.objects.get(pk=body["id"])
    membership = Membership.objects.get(member=member)
    assert (membership.starts_on, membership.expires_on) == (date(2026, 1, 1), date(2026, 2, 1))
    assert membership.purchased_price == Decimal("450.00")
    assert membership.created_by == receptionist
    payment = Payment.objects.get(member=member)
    assert payment.amount == Decimal("450.00") and payment.method == "cash"
    assert payment.membership == membership and payment.member_name == "Bob Member"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"member.enrolled", "membership.created", "payment.recorded"} <= actions


def test_enroll_amount_defaults_to_the_plan_price(trainer_client, monthly):
    response = trainer_client.post(MEMBERS, person(plan=monthly.pk, method="card"), format="json")
    assert response.status_code == 201
    assert Payment.objects.get().amount == Decimal("500.00")


def test_enroll_with_a_future_start_is_pending_until_then(admin_client, gym, monthly, frozen):
    frozen(2026, 3, 10)
    response = admin_client.post(
        MEMBERS, person(gym=gym.pk, plan=monthly.pk, method="transfer", starts_on="2026-03-15"), format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert response.json()["expires_on"] == "2026-04-15"  # Mar 15 + 1 month


@pytest.mark.parametrize(
    "extra, code",
    [
        ({"plan": 999999, "method": "cash"}, "does_not_exist"),
        ({"plan": "inactive", "method": "cash"}, "plan_inactive"),
        ({"plan": "foreign", "method": "cash"}, "does_not_exist"),
        ({"plan": "monthly", "method": "bitcoin"}, None),
        ({"plan": "monthly", "method": "cash", "amount": "0"}, "amount_not_positive"),
        ({"plan": "monthly", "method": "cash", "amount": "-5.00"}, "amount_not_positive"),
        ({"plan": "monthly", "amount": "100.00"}, "method_required"),
        ({"plan": "monthly", "method": "cash", "gender": "robot"}, None),
        ({"amount": "100.00", "method": "cash"}, "plan_required"),
    ],
)
def test_bad_enrollment_is_400_and_creates_nothing(receptionist_client, gym, monthly, foreign_plan, extra, code):
    plans = {"monthly": monthly.pk, "foreign": foreign_plan.pk, "inactive": PlanFactory(gym=gym, is_active=False).pk}
    if isinstance(extra.get("plan"), str):
        extra = {**extra, "plan": plans[extra["plan"]]}
    before = AuditEvent.objects.count()
    response = receptionist_client.post(MEMBERS, person(**extra), format="json")
    assert response.status_code == 400, response.content
    if code:
        assert response.json()["code"] == code
    assert not Member.objects.exists()
    assert not Membership.objects.exists() and not Payment.objects.exists()
    assert AuditEvent.objects.count() == before


def test_failure_after_the_member_is_written_rolls_everything_back(receptionist_client, monthly, monkeypatch):
    """The payment fails after the member and the membership exist: one transaction, so
    nothing stays."""
    from billing.services import payments
    from gymsite.core.errors import Invalid

    def boom(**kwargs):
        raise Invalid("payment refused", "payment_refused")

    monkeypatch.setattr(payments, "payment_create", boom)
    response = receptionist_client.post(MEMBERS, person(plan=monthly.pk, method="cash"), format="json")
    assert response.status_code == 400
    assert not Member.objects.exists() and not Membership.objects.exists()


def test_patch_member_does_not_take_enrollment_fields(trainer_client, gym, monthly):
    member = Member.objects.create(gym=gym, first_name="A")
    response = trainer_client.patch(f"{MEMBERS}{member.pk}", {"first_name": "B", "plan": monthly.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["first_name"] == "B"
    assert not Membership.objects.exists()
