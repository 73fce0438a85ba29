"""Found by fuzzing: answers about rows a system actor wrote (no staff user behind them)
match the published schema, and unrepresentable numbers are refused before any rule."""

from decimal import Decimal

import pytest

from billing.models import Membership, Payment
from gymsite.accounts.models import AuditEvent
from tests.openapi import assert_matches_schema

from .factories import give_membership

pytestmark = pytest.mark.django_db


def test_rows_without_a_staff_user_match_the_schema(admin_client, member, monthly):
    # Written by the system (imports, demo, jobs): created_by / recorded_by are null.
    purchase = give_membership(member, monthly)
    membership, payment = purchase.membership, purchase.payment
    assert membership.created_by is None and payment.recorded_by is None and payment.voided_by is None
    for url in (
        "/api/v1/payments/",
        f"/api/v1/payments/{payment.pk}/",
        "/api/v1/memberships/",
        f"/api/v1/memberships/{membership.pk}/",
        f"/api/v1/members/{member.pk}/memberships/",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, (url, response.content)
        assert_matches_schema(response)
    body = admin_client.get(f"/api/v1/payments/{payment.pk}/").json()
    assert (body["recorded_by"], body["voided_by"]) == (None, None)
    assert admin_client.get(f"/api/v1/memberships/{membership.pk}/").json()["created_by"] is None


@pytest.mark.parametrize("amount", ["1e309", "-1e309", "1e400"])
def test_a_number_too_large_for_json_is_a_parse_error_and_records_nothing(receptionist_client, member, amount):
    raw = f'{{"member": {member.pk}, "amount": {amount}, "method": "cash"}}'
    response = receptionist_client.post("/api/v1/payments/", raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "parse_error"
    assert not Payment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="payment.").exists()


def test_a_renewal_naming_its_plan_with_infinity_changes_nothing(receptionist_client, member, monthly):
    raw = '{"plan": 1e309, "method": "cash"}'
    response = receptionist_client.post(
        f"/api/v1/members/{member.pk}/renew/", raw, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "parse_error"
    assert not Membership.objects.exists() and not Payment.objects.exists()
    member.refresh_from_db()
    assert member.expires_on is None and member.current_plan_id is None


def test_a_void_reason_that_is_not_text_changes_nothing(admin_client, member, monthly):
    payment = give_membership(member, monthly, amount=Decimal("500.00")).payment
    response = admin_client.post(
        f"/api/v1/payments/{payment.pk}/void/", '{"reason": "\\udc80"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    payment.refresh_from_db()
    assert not payment.is_void and payment.void_reason == ""
