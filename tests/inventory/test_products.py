from decimal import Decimal

import pytest

from gymsite.accounts.models import AuditEvent
from inventory.models import Product, StockMovement

from .helpers import assert_ledger, make_product, make_sale

pytestmark = pytest.mark.django_db


def test_admin_creates_a_product_with_opening_stock_in_the_ledger(admin_client, gym):
    r = admin_client.post(
        "/api/v1/products/",
        {"gym": gym.pk, "name": "Shake", "price": "45.50", "quantity": 12, "sku": "SH-1"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["price"] == "45.50" and body["quantity"] == 12 and body["low_stock_threshold"] == 5
    product = Product.objects.get(pk=body["id"])
    assert list(product.movements.values_list("delta", "reason")) == [(12, "restock")]
    assert AuditEvent.objects.filter(action="product.created", target_id=str(product.pk)).exists()
    assert_ledger(product)


def test_name_and_sku_are_unique_in_the_gym(admin_client, gym, other_gym, water):
    r = admin_client.post("/api/v1/products/", {"gym": gym.pk, "name": "water", "price": "1"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "product_name_taken"
    r = admin_client.post("/api/v1/products/", {"gym": gym.pk, "name": "Other", "price": "1", "sku": "W-1"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "product_sku_taken"
    r = admin_client.post("/api/v1/products/", {"gym": other_gym.pk, "name": "Water", "price": "1", "sku": "W-1"}, format="json")
    assert r.status_code == 201


def test_front_desk_reads_products_of_its_gym_only(trainer_client, receptionist_client, water, foreign_product):
    for client in (trainer_client, receptionist_client):
        r = client.get("/api/v1/products/")
        assert r.status_code == 200
        assert [p["id"] for p in r.json()["results"]] == [water.pk]
        assert client.get(f"/api/v1/products/{foreign_product.pk}").status_code == 404
        assert client.post("/api/v1/products/", {"name": "x", "price": "1"}, format="json").status_code == 403


def test_active_and_low_stock_lists(trainer_client, gym, water):
    low = make_product(gym, name="Low", quantity=5, threshold=5)
    make_product(gym, name="Off", quantity=50, is_active=False)
    active = trainer_client.get("/api/v1/products/active").json()["results"]
    assert {p["name"] for p in active} == {"Water", "Low"}
    low_list = trainer_client.get("/api/v1/products/low-stock").json()["results"]
    assert [p["id"] for p in low_list] == [low.pk]


def test_patch_changes_editable_fields_and_audits_but_not_quantity(admin_client, water):
    r = admin_client.patch(f"/api/v1/products/{water.pk}", {"price": "16.00", "quantity": 99}, format="json")
    assert r.status_code == 200, r.json()
    water.refresh_from_db()
    assert water.price == Decimal("16.00") and water.quantity == 20
    event = AuditEvent.objects.get(action="product.changed")
    assert event.data["changes"]["price"] == ["15.00", "16.00"]
    r = admin_client.put(
        f"/api/v1/products/{water.pk}",
        {"name": "Still water", "price": "17.00", "low_stock_threshold": 2, "is_active": True, "sku": ""},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["name"] == "Still water"


def test_delete_without_sales_deletes_with_sales_is_409(admin_client, trainer, water, bar):
    assert admin_client.delete(f"/api/v1/products/{bar.pk}").status_code == 204
    assert not Product.objects.filter(pk=bar.pk).exists()
    make_sale(trainer, (water, 1))
    r = admin_client.delete(f"/api/v1/products/{water.pk}")
    assert r.status_code == 409 and r.json()["code"] == "product_in_use"
    r = admin_client.patch(f"/api/v1/products/{water.pk}", {"is_active": False}, format="json")
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert AuditEvent.objects.filter(action="product.deactivated").exists()


def test_stock_count_and_adjustments_go_through_the_ledger(admin_client, water):
    url = f"/api/v1/products/{water.pk}/stock"
    r = admin_client.put(url, {"quantity": 7}, format="json")
    assert r.status_code == 200 and r.json()["quantity"] == 7
    r = admin_client.put(url, {"delta": 5, "reason": "restock", "note": "delivery"}, format="json")
    assert r.json()["quantity"] == 12
    r = admin_client.put(url, {"delta": -2, "reason": "adjustment", "note": "broken"}, format="json")
    assert r.json()["quantity"] == 10
    r = admin_client.put(url, {"delta": -11, "reason": "adjustment"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock"
    assert admin_client.put(url, {"delta": 3}, format="json").status_code == 400
    assert admin_client.put(url, {"quantity": 3, "delta": 1, "reason": "restock"}, format="json").status_code == 400
    assert admin_client.put(url, {"delta": -1, "reason": "restock"}, format="json").status_code == 400
    moves = admin_client.get(f"/api/v1/products/{water.pk}/movements").json()["results"]
    assert [(m["delta"], m["reason"]) for m in moves] == [(-2, "adjustment"), (5, "restock"), (-13, "count"), (20, "restock")]
    assert StockMovement.objects.filter(product=water).count() == 4
    assert_ledger(water)


def test_stock_is_admin_only(trainer_client, water):
    assert trainer_client.put(f"/api/v1/products/{water.pk}/stock", {"quantity": 1}, format="json").status_code == 403
    assert trainer_client.get(f"/api/v1/products/{water.pk}/movements").status_code == 200
