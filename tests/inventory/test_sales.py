from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gymsite.accounts.models import AuditEvent
from inventory.models import Sale, SaleItem, StockMovement
from tests.conftest import client_for
from tests.factories import MemberFactory

from .helpers import assert_ledger, make_product, make_sale

pytestmark = pytest.mark.django_db
MX = ZoneInfo("America/Mexico_City")


def test_seed_single_product_sale(trainer_client, trainer, water):
    r = trainer_client.post("/api/v1/sales/", {"product": water.pk, "quantity": 3}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["total_amount"] == "45.00" and body["sold_by"] == "trainer" and body["method"] == "cash"
    assert [(i["product"], i["quantity"], i["unit_price"], i["line_total"]) for i in body["items"]] == [
        (water.pk, 3, "15.00", "45.00")
    ]
    water.refresh_from_db()
    assert water.quantity == 17
    assert list(StockMovement.objects.filter(sale_id=body["id"]).values_list("delta", "reason")) == [(-3, "sale")]
    assert AuditEvent.objects.filter(action="sale.created", target_id=str(body["id"])).exists()
    assert_ledger()


def test_cart_with_member_and_method(receptionist_client, gym, water, bar):
    member = MemberFactory(gym=gym)
    r = receptionist_client.post(
        "/api/v1/sales/",
        {"items": [{"product": bar.pk, "quantity": 2}, {"product": water.pk, "quantity": 1}, {"product": bar.pk, "quantity": 1}],
         "method": "card", "member": member.pk},
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["total_amount"] == "105.00" and body["method"] == "card" and body["member"] == member.pk
    assert sorted((i["product"], i["quantity"]) for i in body["items"]) == sorted([(bar.pk, 3), (water.pk, 1)])
    bar.refresh_from_db()
    assert bar.quantity == 7
    assert_ledger()


def test_insufficient_stock_is_409_naming_the_product_and_changes_nothing(trainer_client, water, bar):
    r = trainer_client.post(
        "/api/v1/sales/",
        {"items": [{"product": water.pk, "quantity": 2}, {"product": bar.pk, "quantity": 11}]},
        format="json",
    )
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "insufficient_stock"
    assert body["product"] == {"id": bar.pk, "name": "Protein bar", "available": 10, "requested": 11}
    assert "Protein bar" in body["detail"]
    water.refresh_from_db()
    assert water.quantity == 20
    assert not Sale.objects.exists() and not SaleItem.objects.exists()
    assert_ledger()


def test_inactive_foreign_and_missing_products_are_400(trainer_client, gym, foreign_product):
    off = make_product(gym, name="Off", is_active=False)
    r = trainer_client.post("/api/v1/sales/", {"product": off.pk, "quantity": 1}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "product_inactive"
    r = trainer_client.post("/api/v1/sales/", {"product": foreign_product.pk, "quantity": 1}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "does_not_exist"
    r = trainer_client.post("/api/v1/sales/", {"items": [{"product": 999999, "quantity": 1}]}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "does_not_exist"
    for bad in ({}, {"items": []}, {"product": off.pk, "quantity": 0}, {"items": [{"product": "x", "quantity": 1}]}):
        assert trainer_client.post("/api/v1/sales/", bad, format="json").status_code == 400, bad
    assert not Sale.objects.exists()


def test_admin_sale_of_two_gyms_products_is_400(admin_client, water, foreign_product):
    r = admin_client.post(
        "/api/v1/sales/", {"items": [{"product": water.pk, "quantity": 1}, {"product": foreign_product.pk, "quantity": 1}]},
        format="json",
    )
    assert r.status_code == 400


def test_front_desk_sees_only_its_own_sales_admin_all(trainer, receptionist, admin_client, water):
    mine = make_sale(trainer, (water, 1))
    theirs = make_sale(receptionist, (water, 2))
    trainer_client = client_for(trainer)
    assert [s["id"] for s in trainer_client.get("/api/v1/sales/").json()["results"]] == [mine.pk]
    assert trainer_client.get(f"/api/v1/sales/{theirs.pk}").status_code == 404
    assert trainer_client.get(f"/api/v1/sales/{mine.pk}").status_code == 200
    assert {s["id"] for s in admin_client.get("/api/v1/sales/").json()["results"]} == {mine.pk, theirs.pk}
    assert trainer_client.delete(f"/api/v1/sales/{mine.pk}").status_code == 403
    assert trainer_client.patch(f"/api/v1/sales/{mine.pk}", {"method": "card"}, format="json").status_code == 403


def test_list_filters(admin_client, trainer, receptionist, water, bar):
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=MX), tick=False):
        first = make_sale(trainer, (water, 1))
    with time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=MX), tick=False):
        second = make_sale(receptionist, (bar, 1))
    ids = lambda q: [s["id"] for s in admin_client.get("/api/v1/sales/" + q).json()["results"]]  # noqa: E731
    assert ids(f"?product={water.pk}") == [first.pk]
    assert ids(f"?sold_by={receptionist.pk}") == [second.pk]
    assert ids("?date_from=2026-03-02") == [second.pk]
    assert ids("?date_to=2026-03-01") == [first.pk]
    assert admin_client.get("/api/v1/sales/?date_from=2026-03-03&date_to=2026-03-01").status_code == 400
    assert admin_client.get("/api/v1/sales/?date_from=1066-01-01").status_code == 400


def test_daily_list_is_in_gym_time(admin_client, trainer, water):
    # 23:30 in Mexico City on March 1 is already March 2 in UTC.
    with time_machine.travel(datetime(2026, 3, 1, 23, 30, tzinfo=MX), tick=False):
        late = make_sale(trainer, (water, 1))
        today = admin_client.get("/api/v1/sales/daily").json()["results"]
        assert [s["id"] for s in today] == [late.pk]
    with time_machine.travel(datetime(2026, 3, 2, 0, 30, tzinfo=MX), tick=False):
        early = make_sale(trainer, (water, 1))
    day1 = admin_client.get("/api/v1/sales/daily?date=2026-03-01").json()["results"]
    day2 = admin_client.get("/api/v1/sales/daily?date=2026-03-02").json()["results"]
    assert [s["id"] for s in day1] == [late.pk]
    assert [s["id"] for s in day2] == [early.pk]
    assert day1[0]["local_date"] == "2026-03-01"
    assert admin_client.get("/api/v1/sales/daily?date=junk").status_code == 400


def test_summary_of_a_known_day(admin_client, trainer, receptionist, gym, water, bar):
    with time_machine.travel(datetime(2026, 3, 1, 10, tzinfo=MX), tick=False):
        make_sale(trainer, (water, 2), (bar, 1))  # 60.00 cash
        make_sale(receptionist, (bar, 2), method="card")  # 60.00 card
        void = make_sale(receptionist, (water, 5))  # voided below: out of the sums
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=MX), tick=False):
        make_sale(trainer, (water, 1), method="transfer")  # 15.00
    assert admin_client.delete(f"/api/v1/sales/{void.pk}").status_code == 200
    r = admin_client.get("/api/v1/sales/summary?date_from=2026-03-01&date_to=2026-03-02")
    assert r.status_code == 200, r.json()
    (block,) = r.json()["gyms"]
    assert block["count"] == 3 and block["total"] == "135.00" and block["currency"] == "MXN"
    assert block["by_product"] == [
        {"product": bar.pk, "name": "Protein bar", "quantity": 3, "total": "90.00"},
        {"product": water.pk, "name": "Water", "quantity": 3, "total": "45.00"},
    ]
    assert block["by_seller"] == [
        {"user": receptionist.pk, "username": "receptionist", "count": 1, "total": "60.00"},
        {"user": trainer.pk, "username": "trainer", "count": 2, "total": "75.00"},
    ]
    assert block["by_day"] == [
        {"date": "2026-03-01", "count": 2, "total": "120.00"},
        {"date": "2026-03-02", "count": 1, "total": "15.00"},
    ]
    assert block["by_method"] == [
        {"method": "cash", "count": 1, "total": "60.00"},
        {"method": "card", "count": 1, "total": "60.00"},
        {"method": "transfer", "count": 1, "total": "15.00"},
    ]
    one_day = admin_client.get("/api/v1/sales/summary?date_from=2026-03-02&date_to=2026-03-02").json()["gyms"][0]
    assert one_day["count"] == 1 and one_day["total"] == "15.00"
    # A trainer's summary covers their own sales.
    mine = client_for(trainer).get("/api/v1/sales/summary").json()["gyms"][0]
    assert mine["count"] == 2 and mine["total"] == "75.00"
    assert_ledger()


def test_void_returns_stock_keeps_the_sale_and_is_once(admin_client, trainer, water):
    sale = make_sale(trainer, (water, 4))
    r = admin_client.delete(f"/api/v1/sales/{sale.pk}")
    assert r.status_code == 200 and r.json()["voided"] is True and r.json()["voided_by"] == "admin"
    water.refresh_from_db()
    assert water.quantity == 20
    assert list(StockMovement.objects.filter(sale=sale).order_by("id").values_list("delta", "reason")) == [
        (-4, "sale"), (4, "sale_void")
    ]
    assert admin_client.delete(f"/api/v1/sales/{sale.pk}").json()["code"] == "sale_void"
    assert admin_client.patch(f"/api/v1/sales/{sale.pk}", {"method": "card"}, format="json").status_code == 409
    assert AuditEvent.objects.filter(action="sale.voided").count() == 1
    assert_ledger()


def test_admin_edits_quantities_moving_stock_both_ways(admin_client, trainer, water, bar):
    sale = make_sale(trainer, (water, 2), (bar, 1))
    url = f"/api/v1/sales/{sale.pk}"
    r = admin_client.patch(url, {"items": [{"product": water.pk, "quantity": 5}]}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["total_amount"] == "75.00"
    water.refresh_from_db(), bar.refresh_from_db()
    assert (water.quantity, bar.quantity) == (15, 10)
    r = admin_client.put(url, {"items": [{"product": water.pk, "quantity": 1}], "method": "card"}, format="json")
    assert r.status_code == 200 and r.json()["method"] == "card" and r.json()["total_amount"] == "15.00"
    water.refresh_from_db()
    assert water.quantity == 19
    r = admin_client.patch(url, {"items": [{"product": water.pk, "quantity": 21}]}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock"
    assert r.json()["product"]["id"] == water.pk
    water.refresh_from_db()
    assert water.quantity == 19
    assert AuditEvent.objects.filter(action="sale.changed").count() == 2
    assert_ledger()


def test_edit_keeps_old_unit_price(admin_client, trainer, water):
    sale = make_sale(trainer, (water, 1))
    admin_client.patch(f"/api/v1/products/{water.pk}", {"price": "20.00"}, format="json")
    r = admin_client.patch(f"/api/v1/sales/{sale.pk}", {"items": [{"product": water.pk, "quantity": 2}]}, format="json")
    assert r.json()["items"][0]["unit_price"] == "15.00" and r.json()["total_amount"] == "30.00"
    assert Decimal(r.json()["total_amount"]) == Decimal("30.00")


def test_cart_of_ten_lines_runs_a_bounded_number_of_queries(gym, trainer, django_assert_max_num_queries):
    """As many queries for ten lines as for one: none per line."""
    products = [make_product(gym, name=f"P{i}", quantity=50) for i in range(10)]
    client = client_for(trainer)
    client.post("/api/v1/sales/", {"product": products[0].pk, "quantity": 1}, format="json")  # warm caches
    with CaptureQueriesContext(connection) as one_line:
        assert client.post("/api/v1/sales/", {"product": products[0].pk, "quantity": 1}, format="json").status_code == 201
    # BEGIN, the products' visibility, their lock (with the gym), the sale, its items, the
    # stock, the ledger, the audit row, COMMIT: the answer is not read back.
    assert len(one_line) <= 11, [q["sql"] for q in one_line]
    with django_assert_max_num_queries(12):
        r = client.post(
            "/api/v1/sales/", {"items": [{"product": p.pk, "quantity": 1} for p in products]}, format="json"
        )
    assert r.status_code == 201 and len(r.json()["items"]) == 10
    with CaptureQueriesContext(connection) as ten_lines:
        client.post("/api/v1/sales/", {"items": [{"product": p.pk, "quantity": 1} for p in products]}, format="json")
    assert len(ten_lines) == len(one_line)
    assert_ledger()


def test_a_sale_answers_what_reading_it_back_answers(receptionist_client, gym, water, bar):
    """The answer is built from the rows the service wrote, byte for byte the sale as
    GET /sales/{id} reads it from the database (cart of several lines, with a member)."""
    member = MemberFactory(gym=gym)
    r = receptionist_client.post(
        "/api/v1/sales/",
        {"items": [{"product": bar.pk, "quantity": 3}, {"product": water.pk, "quantity": 2}], "method": "card",
         "member": member.pk},
        format="json",
    )
    assert r.status_code == 201, r.json()
    read_back = receptionist_client.get(f"/api/v1/sales/{r.json()['id']}")
    assert read_back.status_code == 200
    assert r.content == read_back.content
    single = receptionist_client.post("/api/v1/sales/", {"product": water.pk, "quantity": 1}, format="json")
    assert single.content == receptionist_client.get(f"/api/v1/sales/{single.json()['id']}").content
