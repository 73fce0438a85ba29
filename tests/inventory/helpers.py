"""Builders for the shop counter's tests: products and sales made through the services, so
the ledger is always consistent, and the ledger invariant as one assert."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from gymsite.accounts.audit import Actor
from inventory import services
from inventory.models import Product, StockMovement
from inventory.services import Line

_counter = iter(range(1, 10**9))


def make_product(gym, *, name=None, price="10.00", quantity=10, threshold=5, sku="", is_active=True) -> Product:
    return services.product_create(
        actor=Actor.system(),
        gym=gym,
        name=name or f"Product {next(_counter)}",
        price=Decimal(price),
        sku=sku,
        quantity=quantity,
        low_stock_threshold=threshold,
        is_active=is_active,
    )


def make_sale(user, *lines, method="cash", member=None):
    """`make_sale(trainer, (product, 2), (other, 1))`."""
    return services.sale_create(
        actor=Actor(user=user),
        lines=[Line(product_id=p.pk, quantity=q) for p, q in lines],
        method=method,
        member=member,
    )


def assert_ledger(*products: Product) -> None:
    """Every product's (or the given ones') quantity equals the sum of its movements."""
    queryset = Product.objects.filter(pk__in=[p.pk for p in products]) if products else Product.objects.all()
    for product in queryset:
        total = StockMovement.objects.filter(product=product).aggregate(s=Sum("delta"))["s"] or 0
        assert product.quantity == total, f"{product.name}: quantity {product.quantity}, ledger {total}"
