"""A member's memberships and payments when the member moves to another gym or is
deleted: periods belong to the gym that sold them, payments stay in the books."""

from datetime import date

import pytest

from billing.models import Membership, Payment
from gymsite.accounts.models import AuditEvent
from members.models import Member

from .factories import PlanFactory, give_membership

pytestmark = pytest.mark.django_db


def move(client, member, gym):
    return client.patch(f"/api/v1/members/{member.pk}", {"gym": gym.pk}, format="json")


@pytest.mark.parametrize("starts_in_days", [0, 3], ids=["current", "upcoming"])
def test_a_member_still_covered_cannot_move_gym(admin_client, member, monthly, other_gym, frozen, starts_in_days):
    frozen(2026, 3, 10)
    give_membership(member, monthly, starts_on=date(2026, 3, 10 + starts_in_days))
    response = move(admin_client, member, other_gym)
    assert response.status_code == 409
    assert response.json()["code"] == "member_has_current_membership"
    member.refresh_from_db()
    assert member.gym_id == monthly.gym_id
    assert not AuditEvent.objects.filter(action="member.changed").exists()


def test_a_member_whose_memberships_are_over_moves_and_starts_afresh(
    admin_client, member, monthly, gym, other_gym, frozen
):
    frozen(2026, 1, 10)
    old = give_membership(member, monthly).membership
    frozen(2026, 3, 10)  # the January period is over
    response = move(admin_client, member, other_gym)
    assert response.status_code == 200, response.json()
    assert response.json()["gym"]["id"] == other_gym.pk
    assert response.json()["status"] == "expired"

    # The new gym sells the next period with its own plan; the old one stays with the
    # gym (and books) that sold it.
    there = PlanFactory(gym=other_gym, name="Mensual Madrid")
    renewed = admin_client.post(
        f"/api/v1/members/{member.pk}/renew", {"plan": there.pk, "method": "card"}, format="json"
    )
    assert renewed.status_code == 200, renewed.json()
    body = renewed.json()
    assert body["current_plan"] == {"id": there.pk, "name": "Mensual Madrid"}
    assert body["status"] == "active"
    assert Membership.objects.get(pk=old.pk).gym_id == gym.pk
    assert Payment.objects.filter(member=member, gym=other_gym).count() == 1
    # The old gym's plan cannot be renewed from the new gym.
    again = admin_client.post(f"/api/v1/members/{member.pk}/renew", {"plan": monthly.pk, "method": "cash"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "plan_not_found"


def test_deleting_an_enrolled_member_keeps_their_payments_in_the_books(admin_client, gym, monthly, frozen):
    frozen(2026, 3, 10)
    enrolled = admin_client.post(
        "/api/v1/members/",
        {"first_name": "Eva", "last_name": "Luna", "plan": monthly.pk, "amount": "500.00", "method": "cash"},
        format="json",
    )
    assert enrolled.status_code == 201
    member_id = enrolled.json()["id"]
    assert admin_client.delete(f"/api/v1/members/{member_id}").status_code == 204

    assert not Member.objects.filter(pk=member_id).exists()
    assert not Membership.objects.filter(member_id=member_id).exists()
    payment = Payment.objects.get(gym=gym)
    assert payment.member_id is None and payment.membership_id is None
    assert payment.member_name == "Eva Luna"
    summary = admin_client.get("/api/v1/payments/summary", {"gym": gym.pk}).json()["gyms"][0]
    assert summary["total"] == "500.00" and summary["count"] == 1
