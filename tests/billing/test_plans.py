from decimal import Decimal

import pytest

from billing import services
from billing.models import Plan
from gymsite.accounts.audit import Actor
from gymsite.accounts.models import AuditEvent
from gymsite.core.errors import Invalid
from tests.scoping import assert_list_excludes, assert_other_gym_404

from .factories import MemberFactory, PlanFactory, give_membership

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/plans/"


def test_admin_creates_a_plan_with_decimal_price(admin_client, gym):
    response = admin_client.post(
        PLANS,
        {"gym": gym.pk, "name": "Mensual", "price": "500.00", "duration_count": 1, "duration_unit": "month"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["price"] == "500.00"
    assert body["currency"] == "MXN"
    plan = Plan.objects.get(pk=body["id"])
    assert plan.price == Decimal("500.00") and plan.gym == gym
    assert AuditEvent.objects.filter(action="plan.created", target_id=str(plan.pk)).exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"price": "0.00"}, "price"),
        ({"price": "-1"}, "price"),
        ({"duration_count": 0}, "duration_count"),
        ({"duration_unit": "fortnight"}, "duration_unit"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_plans_are_refused(admin_client, gym, payload, field):
    data = {"gym": gym.pk, "name": "X", "price": "10.00", "duration_count": 1, "duration_unit": "month", **payload}
    response = admin_client.post(PLANS, data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Plan.objects.exists()


def test_plan_name_is_unique_in_the_gym_case_insensitively(admin_client, gym, other_gym):
    PlanFactory(gym=gym, name="Mensual")
    response = admin_client.post(
        PLANS, {"gym": gym.pk, "name": "mensual", "price": "1.00", "duration_unit": "month"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "plan_name_taken"
    # Another gym may use the name.
    response = admin_client.post(
        PLANS, {"gym": other_gym.pk, "name": "MENSUAL", "price": "1.00", "duration_unit": "month"}, format="json"
    )
    assert response.status_code == 201


def test_staff_read_plans_but_only_the_admin_manages_them(trainer_client, receptionist_client, mechanic_client, gym):
    plan = PlanFactory(gym=gym)
    for client in (trainer_client, receptionist_client):
        assert client.get(PLANS).status_code == 200
        assert client.get(f"{PLANS}{plan.pk}").status_code == 200
        assert client.post(PLANS, {"name": "x", "price": "1.00"}, format="json").status_code == 403
        assert client.patch(f"{PLANS}{plan.pk}", {"price": "1.00"}, format="json").status_code == 403
        assert client.delete(f"{PLANS}{plan.pk}").status_code == 403
    assert mechanic_client.get(PLANS).status_code == 403


def test_active_lists_only_active_plans(receptionist_client, gym):
    active = PlanFactory(gym=gym, name="A")
    PlanFactory(gym=gym, name="B", is_active=False)
    response = receptionist_client.get(f"{PLANS}active")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [active.pk]


def test_another_gyms_plan_is_404(trainer_client, foreign_plan):
    assert_other_gym_404(trainer_client, f"{PLANS}{foreign_plan.pk}", methods=("get",))
    assert_list_excludes(trainer_client, PLANS, [foreign_plan.pk])


def test_update_changes_price_but_not_existing_memberships(admin_client, gym, monthly):
    member = MemberFactory(gym=gym)
    purchase = give_membership(member, monthly)
    response = admin_client.patch(f"{PLANS}{monthly.pk}", {"price": "650.00"}, format="json")
    assert response.status_code == 200
    assert response.json()["price"] == "650.00"
    purchase.membership.refresh_from_db()
    assert purchase.membership.purchased_price == Decimal("500.00")
    assert AuditEvent.objects.filter(action="plan.changed").exists()


def test_update_takes_a_changes_dict_and_audits_old_and_new(admin_user, monthly):
    plan = services.plan_update(
        actor=Actor(user=admin_user),
        plan=monthly,
        changes={"name": " Mensual plus ", "price": Decimal("550.00"), "description": "Con toalla"},
    )
    assert (plan.name, plan.price, plan.description) == ("Mensual plus", Decimal("550.00"), "Con toalla")
    event = AuditEvent.objects.get(action="plan.changed")
    assert event.data["changes"] == {
        "name": ["Mensual", "Mensual plus"],
        "price": ["500.00", "550.00"],
        "description": ["", "Con toalla"],
    }
    # Values equal to the current ones change nothing and write no event.
    services.plan_update(actor=Actor(user=admin_user), plan=plan, changes={"price": Decimal("550.00")})
    assert AuditEvent.objects.filter(action="plan.changed").count() == 1


def test_update_refuses_fields_that_are_not_editable(admin_client, admin_user, monthly, other_gym):
    with pytest.raises(Invalid) as refused:
        services.plan_update(actor=Actor(user=admin_user), plan=monthly, changes={"gym": other_gym, "price": 1})
    assert refused.value.code == "field_not_editable" and set(refused.value.errors) == {"gym"}
    response = admin_client.patch(f"{PLANS}{monthly.pk}", {"gym": other_gym.pk, "price": "1.00"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "field_not_editable" and "gym" in response.json()["errors"]
    monthly.refresh_from_db()
    assert monthly.gym_id != other_gym.pk and monthly.price == Decimal("500.00")
    assert not AuditEvent.objects.filter(action="plan.changed").exists()


def test_deactivate_is_audited(admin_client, monthly):
    response = admin_client.patch(f"{PLANS}{monthly.pk}", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert AuditEvent.objects.filter(action="plan.deactivated", target_id=str(monthly.pk)).exists()


def test_plan_in_use_is_not_deleted(admin_client, gym, monthly, visit):
    give_membership(MemberFactory(gym=gym), monthly)
    response = admin_client.delete(f"{PLANS}{monthly.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "plan_in_use"
    assert Plan.objects.filter(pk=monthly.pk).exists()
    # An unused plan goes.
    assert admin_client.delete(f"{PLANS}{visit.pk}").status_code == 204
    assert not Plan.objects.filter(pk=visit.pk).exists()
    assert AuditEvent.objects.filter(action="plan.deleted", target_id=str(visit.pk)).exists()


def test_plan_list_runs_a_fixed_number_of_queries(admin_client, gym, django_assert_num_queries):
    PlanFactory.create_batch(3, gym=gym)
    with django_assert_num_queries(2):  # count + page (gym joined)
        assert admin_client.get(PLANS).status_code == 200
    PlanFactory.create_batch(20, gym=gym)
    with django_assert_num_queries(2):
        response = admin_client.get(PLANS, {"limit": 100})
    assert len(response.json()["results"]) == 23
