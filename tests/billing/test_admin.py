import pytest
from django.test import Client

from billing.models import ExpiryReminder

from .factories import give_membership

pytestmark = pytest.mark.django_db


def test_admin_pages_list_billing_rows(admin_user, member, monthly):
    purchase = give_membership(member, monthly)
    ExpiryReminder.objects.create(membership=purchase.membership, kind="upcoming", email="ana@example.com")
    client = Client()
    client.force_login(admin_user)
    expected = {"plan": "Mensual", "membership": "Ana López", "payment": "500.00", "expiryreminder": "ana@example.com"}
    for model, text in expected.items():
        response = client.get(f"/admin/billing/{model}/")
        assert response.status_code == 200, model
        assert text in response.content.decode(), model
    # Payments are read-only in the admin: no add, and the change form has no inputs.
    assert client.get("/admin/billing/payment/add/").status_code == 403
    page = client.get(f"/admin/billing/payment/{purchase.payment.pk}/change/").content.decode()
    assert 'name="amount"' not in page
