"""Races against PostgreSQL: the counter never oversells, and carts holding the same
products in opposite orders never deadlock (products are locked in id order)."""

import pytest
from django.db.models import Sum

from inventory.models import Product, Sale, StockMovement
from tests.concurrency import run_together
from tests.conftest import client_for

from .helpers import assert_ledger, make_product


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_one_unit_sales_of_seven_in_stock(gym, trainer):
    product = make_product(gym, name="Gel", quantity=7, threshold=0)

    def sell():
        return client_for(trainer).post("/api/v1/sales/", {"product": product.pk, "quantity": 1}, format="json")

    responses = run_together([sell] * 20)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 7 + [409] * 13
    assert all(r.json()["code"] == "insufficient_stock" for r in responses if r.status_code == 409)
    product.refresh_from_db()
    assert product.quantity == 0
    assert Sale.objects.count() == 7
    assert StockMovement.objects.filter(product=product).aggregate(s=Sum("delta"))["s"] == 0
    assert_ledger()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_carts_in_opposite_orders_do_not_deadlock(gym, trainer, receptionist):
    products = [make_product(gym, name=f"P{i}", quantity=100, threshold=0) for i in range(5)]
    forward = [{"product": p.pk, "quantity": 1} for p in products]
    backward = list(reversed(forward))

    def cart(user, items):
        return lambda: client_for(user).post("/api/v1/sales/", {"items": items}, format="json").status_code

    calls = [cart(trainer, forward), cart(receptionist, backward)] * 5
    assert run_together(calls) == [201] * 10
    assert list(Product.objects.filter(pk__in=[p.pk for p in products]).values_list("quantity", flat=True)) == [90] * 5
    assert_ledger()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_edits_and_voids_racing_sales_keep_the_ledger(gym, trainer, admin_user):
    from .helpers import make_sale

    product = make_product(gym, name="Cap", quantity=10, threshold=0)
    sales = [make_sale(trainer, (product, 1)) for _ in range(4)]  # 6 left
    def void(sale):
        return lambda: client_for(admin_user).delete(f"/api/v1/sales/{sale.pk}").status_code

    def sell():
        return client_for(trainer).post("/api/v1/sales/", {"product": product.pk, "quantity": 2}, format="json").status_code

    results = run_together([void(s) for s in sales] + [sell] * 5)
    assert results[:4] == [200] * 4
    sold = results[4:].count(201)
    product.refresh_from_db()
    assert product.quantity == 10 - 2 * sold >= 0
    assert_ledger()
