"""Payments in the admin: the gym's currency, "void" only where a payment is void, the
method's label, and a read-only page without save buttons."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from billing.models import Payment
from tests.admin_pages import ES, signed_in
from tests.billing.factories import PlanFactory, give_membership
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(admin_user):
    return signed_in(admin_user)

def paid(member, amount, method="cash", **extra):
    return Payment.objects.create(
        gym=member.gym, member=member, member_name=member.full_name, amount=Decimal(amount), method=method,
        paid_at=datetime(2026, 11, 29, 14, 0, tzinfo=UTC), **extra,
    )


def test_amounts_carry_the_gyms_currency(owner, gym, other_gym):
    paid(MemberFactory(gym=gym, first_name="Ana"), "1350.00", "transfer")
    paid(MemberFactory(gym=other_gym, first_name="Eva"), "45.50", "card")
    html = owner.get("/admin/billing/payment/").content.decode()
    assert '<span class="money" data-currency="MXN">$1,350.00 MXN</span>' in html
    assert '<span class="money" data-currency="EUR">€45.50 EUR</span>' in html
    assert "Transfer" in html and "Card" in html


def test_void_shows_only_on_a_void_payment(owner, gym):
    member = MemberFactory(gym=gym)
    paid(member, "500.00", notes="kept")
    paid(member, "80.00", is_void=True, void_reason="Typo")
    html = owner.get("/admin/billing/payment/").content.decode()
    assert html.count('<span class="payment-void">Void</span>') == 1
    assert "icon-no.svg" not in html and "icon-yes.svg" not in html  # no ✗ on every row
    (void_row,) = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if "payment-void" in row]
    assert "$80.00 MXN" in void_row
    assert html.count('<td class="field-void_display"></td>') == 1  # the other row: nothing at all
    spanish = owner.get("/admin/billing/payment/", **ES).content.decode()
    assert '<span class="payment-void">Anulado</span>' in spanish


def test_a_payment_page_is_read_only_without_save_buttons(owner, gym):
    plan = PlanFactory(gym=gym, name="Mensual")
    payment = give_membership(MemberFactory(gym=gym, first_name="Ana", last_name="López"), plan,
                              method="transfer").payment
    response = owner.get(f"/admin/billing/payment/{payment.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html and 'name="_continue"' not in html and 'name="_addanother"' not in html
    assert "$500.00 MXN" in html
    assert "Ana López · 500.00 · Transfer" in html  # the title names the method by its label
    assert "Void reason" not in html  # not void: no void fields
    assert owner.post(f"/admin/billing/payment/{payment.pk}/change/", {"notes": "x"}).status_code == 403
    spanish = owner.get(f"/admin/billing/payment/{payment.pk}/change/", **ES).content.decode()
    assert "Transferencia" in spanish and "transfer<" not in spanish


def test_plans_and_memberships_show_the_currency(owner, gym):
    plan = PlanFactory(gym=gym, name="Trimestral", price=Decimal("1350.00"))
    give_membership(MemberFactory(gym=gym), plan)
    assert "$1,350.00 MXN" in owner.get("/admin/billing/plan/").content.decode()
    assert "$1,350.00 MXN" in owner.get("/admin/billing/membership/").content.decode()
