from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing import services
from billing.models import DurationUnit, Membership, Payment
from gymsite.accounts.audit import Actor
from gymsite.accounts.models import AuditEvent
from gymsite.accounts.roles import PERMISSIONS, Role
from gymsite.core.errors import Invalid
from tests.scoping import assert_list_excludes, assert_other_gym_404

from .factories import MemberFactory, PlanFactory, give_membership

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/members/"
MEMBERSHIPS = "/api/v1/memberships/"


# --- calendar arithmetic (the arithmetic itself: test_periods.py) ----------------------


@pytest.mark.parametrize(
    "today, count, unit, expires",
    [
        ((2026, 1, 1), 1, "month", "2026-02-01"),
        ((2026, 1, 31), 1, "month", "2026-02-28"),
        ((2028, 1, 31), 1, "month", "2028-02-29"),  # leap year
        ((2026, 1, 1), 1, "day", "2026-01-02"),
        ((2026, 1, 5), 1, "week", "2026-01-12"),  # Monday to Monday
        ((2028, 2, 29), 1, "year", "2029-02-28"),
    ],
)
def test_enrolled_member_is_covered_through_start_plus_duration(
    receptionist_client, gym, frozen, today, count, unit, expires
):
    """Through the API: expires_on = start + duration, the member is active on that day
    (seed 002 refuses check-in only when the expiry is before today) and expired the day
    after."""
    plan = PlanFactory(gym=gym, duration_count=count, duration_unit=unit)
    frozen(*today)
    response = receptionist_client.post(
        MEMBERS, {"first_name": "Eva", "gender": "female", "plan": plan.pk, "method": "cash"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["expires_on"], body["status"]) == (expires, "active")
    assert Membership.objects.get(member_id=body["id"]).expires_on == date.fromisoformat(expires)
    last = date.fromisoformat(expires)
    frozen(last.year, last.month, last.day)
    assert receptionist_client.get(f"{MEMBERS}{body['id']}").json()["status"] == "active"
    after = last + timedelta(days=1)
    frozen(after.year, after.month, after.day)
    assert receptionist_client.get(f"{MEMBERS}{body['id']}").json()["status"] == "expired"


def test_a_one_day_plan_lets_the_member_in_today_and_tomorrow(receptionist_client, member, visit, frozen):
    frozen(2026, 3, 10)
    give_membership(member, visit)  # Mar 10 + 1 day = Mar 11
    assert receptionist_client.post(f"{MEMBERS}{member.pk}/check-in").status_code == 201
    frozen(2026, 3, 11, 18)
    assert receptionist_client.post(f"{MEMBERS}{member.pk}/check-in").status_code == 201
    frozen(2026, 3, 12, 18)
    refused = receptionist_client.post(f"{MEMBERS}{member.pk}/check-in")
    assert refused.status_code == 403 and refused.json()["code"] == "membership_expired"


# --- renew -----------------------------------------------------------------------------


def renew(client, member, plan, **extra):
    return client.post(f"{MEMBERS}{member.pk}/renew", {"plan": plan.pk, "method": "cash", **extra}, format="json")


def test_renewing_early_stacks(receptionist_client, member, monthly, frozen):
    frozen(2026, 1, 1)
    give_membership(member, monthly)  # Jan 1 – Feb 1
    frozen(2026, 1, 25)
    response = renew(receptionist_client, member, monthly, amount="500.00")
    assert response.status_code == 200, response.content
    body = response.json()
    # The day after the current expiry; Feb 2 + 1 month = Mar 2.
    assert body["membership"]["starts_on"] == "2026-02-02"
    assert body["membership"]["expires_on"] == "2026-03-02"
    assert body["payment"]["amount"] == "500.00"
    assert body["expires_on"] == "2026-03-02"
    assert body["membership_starts_on"] == "2026-01-01"
    assert body["status"] == "active"
    assert Payment.objects.filter(member=member).count() == 2
    assert AuditEvent.objects.filter(action="membership.renewed").count() == 1


def test_renewing_on_the_last_day_stacks_and_the_day_after_starts_today(
    receptionist_client, gym, member, monthly, frozen
):
    other = MemberFactory(gym=gym)
    frozen(2026, 1, 1)
    give_membership(member, monthly)  # Jan 1 – Feb 1
    give_membership(other, monthly)  # Jan 1 – Feb 1
    frozen(2026, 2, 1)  # the expiry day is still covered (seed 002: refused only after it)
    assert receptionist_client.get(f"{MEMBERS}{member.pk}").json()["status"] == "active"
    body = renew(receptionist_client, member, monthly).json()
    assert (body["membership"]["starts_on"], body["membership"]["expires_on"]) == ("2026-02-02", "2026-03-02")
    assert (body["status"], body["expires_on"]) == ("active", "2026-03-02")
    frozen(2026, 2, 2)  # the day after the expiry: it is "today", so the period starts today
    assert receptionist_client.get(f"{MEMBERS}{other.pk}").json()["status"] == "expired"
    body = renew(receptionist_client, other, monthly).json()
    assert (body["membership"]["starts_on"], body["membership"]["expires_on"]) == ("2026-02-02", "2026-03-02")
    assert (body["status"], body["expires_on"]) == ("active", "2026-03-02")


def test_renewing_late_starts_today(receptionist_client, member, monthly, frozen):
    frozen(2026, 1, 1)
    give_membership(member, monthly)
    frozen(2026, 3, 10)
    member.refresh_from_db()
    assert member.status == "expired"
    response = renew(receptionist_client, member, monthly)
    body = response.json()
    assert body["membership"]["starts_on"] == "2026-03-10"
    assert body["membership"]["expires_on"] == "2026-04-10"
    assert body["expires_on"] == "2026-04-10"
    assert body["status"] == "active"
    assert body["membership_since"] == "2026-01-01"
    assert body["membership_starts_on"] == "2026-03-10"


def test_renew_a_pending_member_starts_today(receptionist_client, member, quarterly, frozen):
    frozen(2026, 1, 31)
    response = renew(receptionist_client, member, quarterly)
    assert response.status_code == 200
    assert response.json()["membership"]["expires_on"] == "2026-04-30"  # Jan 31 + 3 months = Apr 30
    assert response.json()["current_plan"]["name"] == "Trimestral"


def test_renew_refuses_bad_input_and_records_nothing(receptionist_client, member, monthly, foreign_plan, gym):
    inactive = PlanFactory(gym=gym, is_active=False)
    assert renew(receptionist_client, member, foreign_plan).json()["code"] == "does_not_exist"
    assert renew(receptionist_client, member, inactive).json()["code"] == "plan_inactive"
    assert renew(receptionist_client, member, monthly, amount="0").json()["code"] == "amount_not_positive"
    assert renew(receptionist_client, member, monthly, method="iou").status_code == 400
    assert not Membership.objects.exists() and not Payment.objects.exists()


def test_renew_another_gyms_member_is_404(receptionist_client, foreign_member, monthly):
    response = renew(receptionist_client, foreign_member, monthly)
    assert response.status_code == 404
    assert not Membership.objects.exists()


def test_mechanic_cannot_renew(mechanic_client, member, monthly):
    assert renew(mechanic_client, member, monthly).status_code == 403


# --- member's memberships --------------------------------------------------------------


def test_member_memberships_and_active(trainer_client, member, monthly, frozen):
    frozen(2026, 1, 1)
    first = give_membership(member, monthly).membership
    frozen(2026, 3, 1)
    second = give_membership(member, monthly).membership  # Mar 1 – Apr 1
    third = give_membership(member, monthly).membership  # Apr 2 – May 2 (stacked)
    response = trainer_client.get(f"{MEMBERS}{member.pk}/memberships")
    assert [row["id"] for row in response.json()["results"]] == [third.pk, second.pk, first.pk]
    response = trainer_client.get(f"{MEMBERS}{member.pk}/memberships/active")
    assert [row["id"] for row in response.json()["results"]] == [second.pk, third.pk]
    assert response.json()["results"][0]["purchased_price"] == "500.00"


def test_member_memberships_of_another_gym_are_404(trainer_client, foreign_member):
    assert trainer_client.get(f"{MEMBERS}{foreign_member.pk}/memberships").status_code == 404
    assert trainer_client.get(f"{MEMBERS}{foreign_member.pk}/memberships/active").status_code == 404


# --- POST /memberships -----------------------------------------------------------------


def test_assign_a_plan_with_payment(receptionist_client, member, monthly, frozen):
    frozen(2026, 5, 2)
    response = receptionist_client.post(
        MEMBERSHIPS, {"member": member.pk, "plan": monthly.pk, "amount": "300.00", "method": "card"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["starts_on"], body["expires_on"]) == ("2026-05-02", "2026-06-02")
    assert body["purchased_price"] == "300.00"
    assert body["payment"]["method"] == "card"
    member.refresh_from_db()
    assert member.status == "active" and member.current_plan_id == monthly.pk


def test_assign_without_method_records_no_payment(receptionist_client, member, monthly):
    response = receptionist_client.post(MEMBERSHIPS, {"member": member.pk, "plan": monthly.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["payment"] is None
    assert response.json()["purchased_price"] == "500.00"
    assert not Payment.objects.exists()


def test_assign_refuses_overlaps_and_gaps(admin_client, member, monthly, frozen):
    frozen(2026, 1, 1)
    give_membership(member, monthly)  # Jan 1 – Feb 1
    for day in ("2026-01-20", "2026-02-01"):  # Feb 1, the expiry day, is covered
        overlap = admin_client.post(MEMBERSHIPS, {"member": member.pk, "plan": monthly.pk, "starts_on": day}, format="json")
        assert overlap.status_code == 400 and overlap.json()["code"] == "membership_overlap"
    gap = admin_client.post(
        MEMBERSHIPS, {"member": member.pk, "plan": monthly.pk, "starts_on": "2026-02-03"}, format="json"
    )
    assert gap.status_code == 400 and gap.json()["code"] == "membership_gap"
    assert gap.json()["errors"]["starts_on"] == ["Start on or before 2026-02-02."]
    assert Membership.objects.count() == 1


def test_assign_for_another_gyms_member_is_refused(receptionist_client, foreign_member, monthly):
    response = receptionist_client.post(MEMBERSHIPS, {"member": foreign_member.pk, "plan": monthly.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "does_not_exist" and "member" in response.json()["errors"]


# --- seed 001's trainer rule -------------------------------------------------------------


@pytest.fixture
def cheap_long(gym):
    # Longer than a month but cheaper: an upgrade by duration.
    return PlanFactory(gym=gym, name="Bimestral promo", price=Decimal("400.00"), duration_count=2, duration_unit=DurationUnit.MONTH)


@pytest.fixture
def pricey_short(gym):
    return PlanFactory(gym=gym, name="Mensual premium", price=Decimal("900.00"))


@pytest.fixture
def downgrade(gym):
    return PlanFactory(gym=gym, name="Quincenal", price=Decimal("300.00"), duration_count=2, duration_unit=DurationUnit.WEEK)


@pytest.mark.parametrize("new_plan", ["cheap_long", "pricey_short"])
def test_trainer_may_upgrade_a_current_plan(trainer_client, member, monthly, frozen, request, new_plan):
    frozen(2026, 1, 1)
    current = give_membership(member, monthly).membership
    plan = request.getfixturevalue(new_plan)
    response = trainer_client.patch(f"{MEMBERSHIPS}{current.pk}", {"plan": plan.pk}, format="json")
    assert response.status_code == 200, response.content
    current.refresh_from_db()
    assert current.plan == plan
    assert current.expires_on == plan.period_end(date(2026, 1, 1))
    assert current.purchased_price == Decimal("500.00")  # fixed once set
    member.refresh_from_db()
    assert member.current_plan_id == plan.pk and member.expires_on == current.expires_on
    assert AuditEvent.objects.filter(action="membership.changed", target_id=str(current.pk)).exists()


def test_trainer_may_not_downgrade_a_current_plan(trainer_client, member, monthly, downgrade, frozen):
    frozen(2026, 1, 1)
    current = give_membership(member, monthly).membership
    response = trainer_client.patch(f"{MEMBERSHIPS}{current.pk}", {"plan": downgrade.pk}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "plan_change_not_upgrade"
    current.refresh_from_db()
    assert current.plan == monthly
    # Nor through a new membership while the current one runs.
    response = trainer_client.post(MEMBERSHIPS, {"member": member.pk, "plan": downgrade.pk}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "plan_change_not_upgrade"
    assert Membership.objects.count() == 1


def test_trainer_may_change_an_expired_plan_to_anything(trainer_client, member, monthly, downgrade, frozen):
    frozen(2026, 1, 1)
    old = give_membership(member, monthly).membership
    frozen(2026, 2, 15)
    response = trainer_client.patch(f"{MEMBERSHIPS}{old.pk}", {"plan": downgrade.pk}, format="json")
    assert response.status_code == 200
    response = trainer_client.post(MEMBERSHIPS, {"member": member.pk, "plan": monthly.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["starts_on"] == "2026-02-15"


def test_trainer_may_add_an_upgrade_while_covered_and_it_stacks(trainer_client, member, monthly, quarterly, frozen):
    frozen(2026, 1, 1)
    give_membership(member, monthly)
    response = trainer_client.post(MEMBERSHIPS, {"member": member.pk, "plan": quarterly.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["starts_on"] == "2026-02-02"  # the day after Jan 1 + 1 month


def test_admin_may_downgrade(admin_client, member, monthly, downgrade, frozen):
    frozen(2026, 1, 1)
    current = give_membership(member, monthly).membership
    response = admin_client.patch(f"{MEMBERSHIPS}{current.pk}", {"plan": downgrade.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["expires_on"] == "2026-01-15"  # Jan 1 + 2 weeks


def test_the_plan_change_rule_reads_the_roles_table(trainer_client, member, monthly, downgrade, frozen, monkeypatch):
    """`memberships.change_plan` (admin only in the table) lifts the upgrade rule: a role
    given it may downgrade a current period."""
    assert PERMISSIONS["memberships.change_plan"] == {Role.ADMIN}
    monkeypatch.setitem(PERMISSIONS, "memberships.change_plan", frozenset({Role.ADMIN, Role.TRAINER}))
    frozen(2026, 1, 1)
    current = give_membership(member, monthly).membership
    response = trainer_client.patch(f"{MEMBERSHIPS}{current.pk}", {"plan": downgrade.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["expires_on"] == "2026-01-15"


def test_the_system_may_change_a_current_plan_to_anything(member, monthly, downgrade, frozen):
    frozen(2026, 1, 1)
    current = give_membership(member, monthly).membership
    changed = services.membership_update(actor=Actor.system(), membership=current, changes={"plan": downgrade.pk})
    assert changed.plan == downgrade and changed.expires_on == date(2026, 1, 15)


# --- PATCH and DELETE ------------------------------------------------------------------


def test_update_takes_a_changes_dict_and_refuses_other_fields(admin_user, member, monthly, quarterly, frozen):
    frozen(2026, 1, 1)
    first = give_membership(member, monthly).membership  # Jan 1 – Feb 1
    give_membership(member, monthly)  # Feb 2 – Mar 2
    actor = Actor(user=admin_user)
    for changes in ({"member": member.pk}, {"expires_on": date(2026, 12, 31)}, {"plan_id": quarterly.pk}):
        with pytest.raises(Invalid) as refused:
            services.membership_update(actor=actor, membership=first, changes=changes)
        assert refused.value.code == "field_not_editable" and set(refused.value.errors) == set(changes)
    assert not AuditEvent.objects.filter(action="membership.changed").exists()
    changed = services.membership_update(actor=actor, membership=first, changes={"plan": quarterly.pk})
    assert changed.expires_on == date(2026, 4, 1)
    event = AuditEvent.objects.get(action="membership.changed")
    assert event.data["changes"] == {
        "plan": [monthly.pk, quarterly.pk],
        "plan_name": ["Mensual", "Trimestral"],
        "expires_on": ["2026-02-01", "2026-04-01"],
    }
    assert [m.starts_on for m in Membership.objects.order_by("starts_on")] == [date(2026, 1, 1), date(2026, 4, 2)]


def test_purchased_price_cannot_change(admin_client, member, monthly):
    membership = give_membership(member, monthly, amount=Decimal("450.00")).membership
    response = admin_client.patch(f"{MEMBERSHIPS}{membership.pk}", {"purchased_price": "10.00"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "purchased_price_fixed"
    membership.refresh_from_db()
    assert membership.purchased_price == Decimal("450.00")
    # Sending the same value is fine.
    assert admin_client.patch(f"{MEMBERSHIPS}{membership.pk}", {"purchased_price": "450.00"}, format="json").status_code == 200


def test_changing_a_period_moves_the_stacked_ones(admin_client, member, monthly, quarterly, frozen):
    frozen(2026, 1, 1)
    first = give_membership(member, monthly).membership  # Jan 1 – Feb 1
    second = give_membership(member, monthly).membership  # Feb 2 – Mar 2 (29 days)
    response = admin_client.patch(f"{MEMBERSHIPS}{first.pk}", {"plan": quarterly.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["expires_on"] == "2026-04-01"  # Jan 1 + 3 months
    second.refresh_from_db()
    # Starts the day after and keeps its 29 days.
    assert (second.starts_on, second.expires_on) == (date(2026, 4, 2), date(2026, 4, 30))
    member.refresh_from_db()
    assert member.expires_on == date(2026, 4, 30)


def test_receptionist_cannot_patch_or_delete(receptionist_client, member, monthly):
    membership = give_membership(member, monthly).membership
    assert receptionist_client.patch(f"{MEMBERSHIPS}{membership.pk}", {"is_active": False}, format="json").status_code == 403
    assert receptionist_client.delete(f"{MEMBERSHIPS}{membership.pk}").status_code == 403
    assert receptionist_client.put(f"{MEMBERSHIPS}{membership.pk}", {}, format="json").status_code in (403, 405)
    assert Membership.objects.filter(pk=membership.pk, is_active=True).exists()


def test_trainer_cannot_delete(trainer_client, member, monthly):
    membership = give_membership(member, monthly).membership
    assert trainer_client.delete(f"{MEMBERSHIPS}{membership.pk}").status_code == 403


def test_admin_deletes_a_period_and_the_stacked_one_moves_back(admin_client, member, monthly, frozen):
    frozen(2026, 1, 1)
    first = give_membership(member, monthly).membership
    second = give_membership(member, monthly).membership
    payment = Payment.objects.get(membership=second)
    response = admin_client.delete(f"{MEMBERSHIPS}{second.pk}")
    assert response.status_code == 204
    member.refresh_from_db()
    assert member.expires_on == date(2026, 2, 1)
    payment.refresh_from_db()
    assert payment.membership is None  # the books keep the money
    third = give_membership(member, monthly).membership  # Feb 2 – Mar 2: 29 days
    response = admin_client.delete(f"{MEMBERSHIPS}{first.pk}")
    assert response.status_code == 204
    third.refresh_from_db()
    # A moved period keeps its length in days (29), never what its plan says today
    # (Jan 1 + 1 month would be Feb 1).
    assert (third.starts_on, third.expires_on) == (date(2026, 1, 1), date(2026, 1, 29))
    assert AuditEvent.objects.filter(action="membership.deleted").count() == 2


def test_deactivating_the_only_period_makes_the_member_pending(admin_client, member, monthly):
    membership = give_membership(member, monthly).membership
    response = admin_client.patch(f"{MEMBERSHIPS}{membership.pk}", {"is_active": False}, format="json")
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.status == "pending" and member.expires_on is None


def test_another_gyms_membership_is_404(trainer_client, admin_client, foreign_member, other_gym):
    plan = PlanFactory(gym=other_gym)
    membership = give_membership(foreign_member, plan).membership
    assert_other_gym_404(trainer_client, f"{MEMBERSHIPS}{membership.pk}", methods=("get", "patch"))
    assert_list_excludes(trainer_client, MEMBERSHIPS, [membership.pk])
    assert admin_client.get(f"{MEMBERSHIPS}{membership.pk}").status_code == 200


# --- list --------------------------------------------------------------------------------


def test_membership_list_filters(receptionist_client, gym, monthly, frozen):
    frozen(2026, 1, 1)
    a, b = MemberFactory(gym=gym), MemberFactory(gym=gym)
    old = give_membership(a, monthly).membership
    frozen(2026, 3, 1)
    current = give_membership(b, monthly).membership
    rows = receptionist_client.get(MEMBERSHIPS, {"member": a.pk}).json()["results"]
    assert [r["id"] for r in rows] == [old.pk]
    rows = receptionist_client.get(MEMBERSHIPS, {"active": "true"}).json()["results"]
    assert [r["id"] for r in rows] == [current.pk]
    rows = receptionist_client.get(MEMBERSHIPS, {"active": "false"}).json()["results"]
    assert [r["id"] for r in rows] == [old.pk]


def test_active_filter_takes_today_in_each_gyms_time_zone(admin_client, gym, other_gym, monthly, foreign_plan, frozen):
    """At 20:00 in Mexico City it is already the next day in Madrid: a period whose last
    day is the Mexican today is still active, the Madrid one of the same day is over."""
    frozen(2026, 2, 9)
    here = give_membership(MemberFactory(gym=gym), monthly, starts_on=date(2026, 2, 9)).membership
    there = give_membership(MemberFactory(gym=other_gym), foreign_plan, starts_on=date(2026, 2, 9)).membership
    assert here.expires_on == there.expires_on == date(2026, 3, 9)
    frozen(2026, 3, 9, 20)  # 03:00 on Mar 10 in Madrid
    rows = admin_client.get(MEMBERSHIPS, {"active": "true"}).json()["results"]
    assert [r["id"] for r in rows] == [here.pk]
    rows = admin_client.get(MEMBERSHIPS, {"active": "false"}).json()["results"]
    assert [r["id"] for r in rows] == [there.pk]


def test_membership_list_runs_a_fixed_number_of_queries(admin_client, gym, monthly, django_assert_num_queries):
    for _ in range(3):
        give_membership(MemberFactory(gym=gym), monthly)
    # count + page + pauses prefetch (+ the gyms for "today" with ?active)
    with django_assert_num_queries(3):
        admin_client.get(MEMBERSHIPS)
    for _ in range(12):
        give_membership(MemberFactory(gym=gym), monthly)
    with django_assert_num_queries(3):
        response = admin_client.get(MEMBERSHIPS, {"limit": 100})
    assert len(response.json()["results"]) == 15
    with django_assert_num_queries(4):
        admin_client.get(MEMBERSHIPS, {"active": "true"})


def test_moving_a_start_checks_the_timeline(admin_client, member, monthly, frozen):
    frozen(2026, 1, 1)
    first = give_membership(member, monthly).membership  # Jan 1 – Feb 1
    second = give_membership(member, monthly).membership  # Feb 2 – Mar 2
    # Moving the first one later would overlap the second... which moves along with it.
    response = admin_client.patch(f"{MEMBERSHIPS}{first.pk}", {"starts_on": "2026-01-05"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["expires_on"] == "2026-02-05"  # Jan 5 + 1 month
    second.refresh_from_db()
    assert (second.starts_on, second.expires_on) == (date(2026, 2, 6), date(2026, 3, 6))
    # Moving the second one away from the first would leave a gap after a live run.
    response = admin_client.patch(f"{MEMBERSHIPS}{second.pk}", {"starts_on": "2026-03-01"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "membership_gap"
    second.refresh_from_db()
    assert second.starts_on == date(2026, 2, 6)
