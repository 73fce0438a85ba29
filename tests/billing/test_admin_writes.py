"""Owners' writes in the Django admin go through billing's and members' services: audited,
and the member's membership summary stays right."""

from datetime import date

import pytest
from django.test import Client

from billing.models import Membership, Plan
from gymsite.accounts.models import AuditEvent
from members.models import Member

from .factories import give_membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def _plan_form(plan, **changes):
    data = {
        "gym": plan.gym_id,
        "name": plan.name,
        "price": str(plan.price),
        "duration_count": plan.duration_count,
        "duration_unit": plan.duration_unit,
        "description": plan.description,
        "is_active": "on" if plan.is_active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_plan_edited_in_the_admin_is_audited(owner, monthly):
    response = owner.post(f"/admin/billing/plan/{monthly.pk}/change/", _plan_form(monthly, price="550.00"))
    assert response.status_code == 302, response.content.decode()[:2000]
    monthly.refresh_from_db()
    assert str(monthly.price) == "550.00"
    event = AuditEvent.objects.get(action="plan.changed")
    assert event.data["changes"]["price"] == ["500.00", "550.00"]


def test_plan_created_in_the_admin_is_audited(owner, gym, monthly):
    form = _plan_form(monthly, name="Anual", price="5000.00", duration_unit="year")
    response = owner.post("/admin/billing/plan/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = Plan.objects.get(gym=gym, name="Anual")
    assert AuditEvent.objects.filter(action="plan.created", target_id=str(plan.pk)).exists()


def test_membership_deleted_in_the_admin_refreshes_the_member(owner, member, monthly, frozen):
    frozen(2026, 3, 10)
    membership = give_membership(member, monthly).membership
    member.refresh_from_db()
    assert member.status == "active"
    response = owner.post(f"/admin/billing/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    member.refresh_from_db()
    assert member.expires_on is None and member.status == "pending"
    assert AuditEvent.objects.filter(action="membership.deleted").exists()


def test_membership_cannot_be_cancelled_behind_the_services_back(owner, member, monthly, frozen):
    frozen(2026, 3, 10)
    membership = give_membership(member, monthly).membership
    page = owner.get(f"/admin/billing/membership/{membership.pk}/change/").content.decode()
    assert 'name="is_active"' not in page
    owner.post(f"/admin/billing/membership/{membership.pk}/change/", {})
    membership.refresh_from_db()
    assert membership.is_active


def test_member_admin_refuses_moving_a_covered_member(owner, member, monthly, other_gym, frozen):
    frozen(2026, 3, 10)
    give_membership(member, monthly, starts_on=date(2026, 3, 10))
    page = owner.get(f"/admin/members/member/{member.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "photo"}
    data["gym"] = other_gym.pk
    data["is_active"] = "on"
    response = owner.post(f"/admin/members/member/{member.pk}/change/", data)
    assert response.status_code == 200  # the form again, with the error
    assert "current or upcoming membership" in response.content.decode()
    assert Member.objects.get(pk=member.pk).gym_id == monthly.gym_id
