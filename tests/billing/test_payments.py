from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing.models import Payment
from gymsite.accounts.models import AuditEvent
from members.models import Member
from tests.scoping import assert_list_excludes

from .factories import MemberFactory, PlanFactory, give_membership

pytestmark = pytest.mark.django_db

PAYMENTS = "/api/v1/payments/"
UTC = ZoneInfo("UTC")


def record(client, member, amount="50.00", method="cash", **extra):
    return client.post(PAYMENTS, {"member": member.pk, "amount": amount, "method": method, **extra}, format="json")


def test_record_a_payment(receptionist_client, receptionist, member):
    response = record(receptionist_client, member, notes="locker")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "50.00" and body["method"] == "cash" and body["member_name"] == "Ana López"
    assert body["recorded_by"] == "receptionist" and body["is_void"] is False and body["currency"] == "MXN"
    payment = Payment.objects.get()
    assert payment.amount == Decimal("50.00") and payment.recorded_by == receptionist
    assert AuditEvent.objects.filter(action="payment.recorded", target_id=str(payment.pk)).exists()


@pytest.mark.parametrize(
    "amount, method", [("0", "cash"), ("-3.00", "cash"), ("abc", "cash"), ("10.00", "Efectivo"), ("1.001", "cash")]
)
def test_bad_payments_are_400(receptionist_client, member, amount, method):
    response = record(receptionist_client, member, amount=amount, method=method)
    assert response.status_code == 400, response.content
    assert not Payment.objects.exists()


def test_payment_for_another_gyms_member_or_membership_is_refused(receptionist_client, member, foreign_member, other_gym):
    response = record(receptionist_client, foreign_member)
    assert response.status_code == 400 and response.json()["code"] == "does_not_exist"
    foreign = give_membership(foreign_member, PlanFactory(gym=other_gym), method=None).membership
    response = record(receptionist_client, member, membership=foreign.pk)
    assert response.status_code == 400 and response.json()["code"] == "membership_not_found"
    assert not Payment.objects.exists()


def test_payment_linked_to_a_membership(receptionist_client, member, monthly):
    membership = give_membership(member, monthly, method=None).membership
    response = record(receptionist_client, member, amount="500.00", method="transfer", membership=membership.pk)
    assert response.status_code == 201
    assert response.json()["membership"] == membership.pk


def test_payments_are_never_edited(admin_client, member):
    payment_id = record(admin_client, member).json()["id"]
    for method in ("put", "patch", "delete"):
        response = getattr(admin_client, method)(f"{PAYMENTS}{payment_id}", {"amount": "1.00"}, format="json")
        assert response.status_code in (403, 405), (method, response.status_code)
    assert Payment.objects.get().amount == Decimal("50.00")


def test_list_shows_the_gym_local_date_and_filters(receptionist_client, gym, member):
    other = MemberFactory(gym=gym, first_name="Bob")
    # 2026-01-16 03:00 UTC is still Jan 15 in Mexico City (UTC-6).
    with time_machine.travel(datetime(2026, 1, 16, 3, 0, tzinfo=UTC), tick=False):
        late = record(receptionist_client, member, method="card").json()
    with time_machine.travel(datetime(2026, 1, 16, 18, 0, tzinfo=UTC), tick=False):
        next_day = record(receptionist_client, other, amount="70.00").json()
    assert late["date"] == "2026-01-15"
    assert next_day["date"] == "2026-01-16"
    rows = receptionist_client.get(PAYMENTS).json()["results"]
    assert [r["id"] for r in rows] == [next_day["id"], late["id"]]
    assert set(rows[0]) >= {"id", "member", "member_name", "amount", "method", "paid_at", "date", "recorded_by", "is_void"}

    def ids(**params):
        response = receptionist_client.get(PAYMENTS, params)
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids(date_from="2026-01-15", date_to="2026-01-15") == [late["id"]]
    assert ids(date_from="2026-01-16") == [next_day["id"]]
    assert ids(date_to="2026-01-15") == [late["id"]]
    assert ids(method="card") == [late["id"]]
    assert ids(member=other.pk) == [next_day["id"]]
    assert receptionist_client.get(PAYMENTS, {"date_from": "yesterday"}).status_code == 400


def test_another_gyms_payment_is_404(receptionist_client, admin_client, foreign_member):
    payment = record(admin_client, foreign_member).json()
    assert receptionist_client.get(f"{PAYMENTS}{payment['id']}").status_code == 404
    assert_list_excludes(receptionist_client, PAYMENTS, [payment["id"]])


def test_payment_of_a_deleted_member_keeps_the_name(admin_client, member):
    record(admin_client, member)
    assert admin_client.delete(f"/api/v1/members/{member.pk}").status_code == 204
    assert not Member.objects.filter(pk=member.pk).exists()
    row = admin_client.get(PAYMENTS).json()["results"][0]
    assert row["member"] is None and row["member_name"] == "Ana López"


def test_void(admin_client, receptionist_client, member):
    payment_id = record(receptionist_client, member).json()["id"]
    assert receptionist_client.post(f"{PAYMENTS}{payment_id}/void", {"reason": "x"}, format="json").status_code == 403
    assert admin_client.post(f"{PAYMENTS}{payment_id}/void", {}, format="json").status_code == 400
    response = admin_client.post(f"{PAYMENTS}{payment_id}/void", {"reason": "typed twice"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["is_void"] is True and body["void_reason"] == "typed twice" and body["voided_by"] == "admin"
    again = admin_client.post(f"{PAYMENTS}{payment_id}/void", {"reason": "again"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "payment_already_void"
    assert AuditEvent.objects.filter(action="payment.voided").count() == 1
    assert Payment.objects.filter(pk=payment_id, is_void=True).exists()


def test_summary_by_method_day_and_plan_without_void(admin_client, gym, other_gym, monthly, frozen):
    frozen(2026, 2, 1)
    a, b = MemberFactory(gym=gym), MemberFactory(gym=gym)
    give_membership(a, monthly, amount=Decimal("500.00"), method="cash")
    give_membership(b, monthly, amount=Decimal("450.50"), method="card")
    loose = record(admin_client, a, amount="20.25", method="cash").json()
    frozen(2026, 2, 2)
    mistake = record(admin_client, b, amount="999.99", method="transfer").json()
    admin_client.post(f"{PAYMENTS}{mistake['id']}/void", {"reason": "wrong member"}, format="json")
    record(admin_client, b, amount="100.00", method="transfer")
    foreign = MemberFactory(gym=other_gym)
    record(admin_client, foreign, amount="7.00", method="cash")
    frozen(2026, 3, 1)
    record(admin_client, a, amount="1.00", method="cash")  # outside the range

    response = admin_client.get(f"{PAYMENTS}summary", {"date_from": "2026-02-01", "date_to": "2026-02-28"})
    assert response.status_code == 200, response.content
    blocks = {block["gym"]["id"]: block for block in response.json()["gyms"]}
    main = blocks[gym.pk]
    assert main["currency"] == "MXN"
    assert main["total"] == "1070.75" and main["count"] == 4
    assert {r["method"]: r["total"] for r in main["by_method"]} == {
        "cash": "520.25",
        "card": "450.50",
        "transfer": "100.00",
    }
    assert main["by_day"] == [
        {"date": "2026-02-01", "total": "970.75", "count": 3},
        {"date": "2026-02-02", "total": "100.00", "count": 1},
    ]
    by_plan = {r["plan_name"]: (r["plan"], r["total"]) for r in main["by_plan"]}
    assert by_plan == {"Mensual": (monthly.pk, "950.50"), "": (None, "120.25")}
    # Other currency, other block: never added together.
    assert blocks[other_gym.pk]["currency"] == "EUR" and blocks[other_gym.pk]["total"] == "7.00"
    # ?gym narrows.
    response = admin_client.get(f"{PAYMENTS}summary", {"gym": other_gym.pk})
    assert [block["gym"]["id"] for block in response.json()["gyms"]] == [other_gym.pk]
    assert loose["amount"] == "20.25"


def test_summary_is_admin_only_and_checks_dates(admin_client, receptionist_client, trainer_client):
    assert receptionist_client.get(f"{PAYMENTS}summary").status_code == 403
    assert trainer_client.get(f"{PAYMENTS}summary").status_code == 403
    response = admin_client.get(f"{PAYMENTS}summary", {"date_from": "2026-02-02", "date_to": "2026-02-01"})
    assert response.status_code == 400


def test_payment_list_runs_a_fixed_number_of_queries(admin_client, gym, django_assert_num_queries):
    members = [MemberFactory(gym=gym) for _ in range(3)]
    for m in members:
        record(admin_client, m)
    with django_assert_num_queries(2):  # count + page (gym, recorded_by, voided_by joined)
        admin_client.get(PAYMENTS)
    for _ in range(15):
        record(admin_client, members[0])
    with django_assert_num_queries(2):
        response = admin_client.get(PAYMENTS, {"limit": 100})
    assert len(response.json()["results"]) == 18
    with django_assert_num_queries(3):  # + the gyms, for gym-local dates
        admin_client.get(PAYMENTS, {"date_from": "2026-01-01", "limit": 100})
