"""Every write of the shop counter: products, stock, sales.

Stock only moves through `_move_stock`, which takes the products already locked (in
primary-key order, by `_lock_products`) and writes the ledger rows and the new quantities
in a constant number of queries, whatever the number of products."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.models import Gym
from gymsite.core.changes import apply_changes, check_editable
from gymsite.core.errors import Conflict, Invalid
from gymsite.core.localtime import local_date
from gymsite.core.prefetch import set_prefetched
from members.models import Member

from .models import (
    PRODUCT_EDITABLE_FIELDS,
    SALE_EDITABLE_FIELDS,
    MovementReason,
    PaymentMethod,
    Product,
    Sale,
    SaleItem,
    StockMovement,
)

MAX_LINE_QUANTITY = 10_000
MAX_STOCK = 1_000_000
ADJUST_REASONS = (MovementReason.RESTOCK, MovementReason.ADJUSTMENT)


def money(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


# --- Stock ------------------------------------------------------------------------------


def _lock_products(ids: Iterable[int]) -> dict[int, Product]:
    """The products `ids`, row-locked in primary-key order: two carts holding the same
    products in any order queue up instead of deadlocking."""
    # With its gym (a sale needs its time zone) in the same query; only the products' rows
    # are locked (`of`), as before.
    products = Product.objects.select_for_update(of=("self",)).select_related("gym")
    return {p.pk: p for p in products.filter(pk__in=set(ids)).order_by("pk")}


def _insufficient(product: Product, wanted: int) -> Conflict:
    return Conflict(
        _("Not enough stock of %(product)s: %(available)d left, %(wanted)d asked for.")
        % {"product": product.name, "available": product.quantity, "wanted": wanted},
        "insufficient_stock",
        extra={"product": {"id": product.pk, "name": product.name, "available": product.quantity, "requested": wanted}},
    )


def _move_stock(
    *,
    actor: Actor,
    products: Mapping[int, Product],
    deltas: Mapping[int, int],
    reason: str,
    sale: Sale | None = None,
    note: str = "",
    wanted: Mapping[int, int] | None = None,
) -> None:
    """Apply `deltas` (product id → change) to locked `products`: 409 insufficient_stock,
    naming the first product in id order that would go below zero, before anything is
    written. Arms the low-stock alert of each product that falls to its threshold or
    below, and re-arms it for each that rises above (the email goes after the commit)."""
    deltas = {pk: d for pk, d in deltas.items() if d}
    for pk in sorted(deltas):
        product = products[pk]
        if product.quantity + deltas[pk] < 0:
            raise _insufficient(product, (wanted or {}).get(pk, -deltas[pk]))
    if not deltas:
        return
    alerts = []
    for pk, delta in deltas.items():
        product = products[pk]
        product.quantity += delta
        if product.is_low and not product.low_stock_alerted and delta < 0:
            product.low_stock_alerted = True
            alerts.append(pk)
        elif not product.is_low:
            product.low_stock_alerted = False
    changed = [products[pk] for pk in sorted(deltas)]
    now = timezone.now()
    for product in changed:
        product.updated_at = now
    Product.objects.bulk_update(changed, ["quantity", "low_stock_alerted", "updated_at"])
    StockMovement.objects.bulk_create(
        StockMovement(product_id=pk, delta=deltas[pk], reason=reason, sale=sale, by=actor.user, at=now, note=note)
        for pk in sorted(deltas)
    )
    if alerts:
        from gymsite.core.tasks import enqueue_on_commit

        from .tasks import send_low_stock_alert

        for pk in alerts:
            enqueue_on_commit(send_low_stock_alert, pk)


def _stock_data(product: Product, delta: int, reason: str, note: str) -> dict:
    return {"product": product.name, "delta": delta, "reason": reason, "quantity": product.quantity, "note": note}


@transaction.atomic
def product_stock_set(*, actor: Actor, product: Product, quantity: int, note: str = "") -> Product:
    """A count: the stock is `quantity` now (a `count` movement of the difference)."""
    if quantity < 0 or quantity > MAX_STOCK:
        message = _("Give a quantity between 0 and %(max)d.") % {"max": MAX_STOCK}
        raise Invalid(message, "invalid", errors={"quantity": [message]})
    product = _lock_products([product.pk])[product.pk]
    delta = quantity - product.quantity
    _move_stock(actor=actor, products={product.pk: product}, deltas={product.pk: delta}, reason=MovementReason.COUNT, note=note)
    audit_record(actor=actor, action="product.stock_counted", target=product, data=_stock_data(product, delta, "count", note))
    return product


@transaction.atomic
def product_stock_adjust(*, actor: Actor, product: Product, delta: int, reason: str, note: str = "") -> Product:
    """Restock (delta > 0) or adjust (either sign, a note says why): 409
    insufficient_stock when the stock would go below zero."""
    if reason not in ADJUST_REASONS:
        message = _("Use restock or adjustment (a count sets the quantity instead).")
        raise Invalid(message, "invalid", errors={"reason": [message]})
    if delta == 0 or abs(delta) > MAX_STOCK:
        message = _("Give a change other than zero, at most %(max)d either way.") % {"max": MAX_STOCK}
        raise Invalid(message, "invalid", errors={"delta": [message]})
    if reason == MovementReason.RESTOCK and delta < 0:
        message = _("A restock adds stock; use an adjustment to remove it.")
        raise Invalid(message, "invalid", errors={"delta": [message]})
    product = _lock_products([product.pk])[product.pk]
    if product.quantity + delta > MAX_STOCK:
        message = _("At most %(max)d units in stock.") % {"max": MAX_STOCK}
        raise Invalid(message, "invalid", errors={"delta": [message]})
    _move_stock(actor=actor, products={product.pk: product}, deltas={product.pk: delta}, reason=reason, note=note)
    audit_record(actor=actor, action="product.stock_adjusted", target=product, data=_stock_data(product, delta, reason, note))
    return product


# --- Products ---------------------------------------------------------------------------


def _product_validate(*, gym_id: int, name: str, sku: str, price, threshold, exclude_id=None) -> None:
    errors: dict[str, list] = {}
    codes = set()
    if not name or not name.strip():
        errors["name"] = [_("This field may not be blank.")]
    elif Product.objects.filter(gym_id=gym_id, name__iexact=name.strip()).exclude(pk=exclude_id).exists():
        errors["name"] = [_("This gym already has a product with this name.")]
        codes.add("product_name_taken")
    if sku and Product.objects.filter(gym_id=gym_id, sku=sku).exclude(pk=exclude_id).exists():
        errors["sku"] = [_("This gym already has a product with this SKU.")]
        codes.add("product_sku_taken")
    if price is None or money(price) < 0:
        errors["price"] = [_("The price cannot be negative.")]
    if threshold is None or int(threshold) < 0:
        errors["low_stock_threshold"] = [_("The threshold cannot be negative.")]
    if errors:
        code = codes.pop() if len(codes) == 1 and len(errors) == 1 else "invalid"
        raise Invalid(_("The product is not valid."), code, errors=errors)


def _product_save(product: Product) -> None:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        # Two admins creating the same name or SKU at once: the unique index decides.
        raise Invalid(
            _("The product is not valid."),
            "product_name_taken",
            errors={"name": [_("This gym already has a product with this name or SKU.")]},
        ) from None


def _product_data(product: Product) -> dict:
    return {
        "name": product.name,
        "sku": product.sku,
        "price": str(product.price),
        "quantity": product.quantity,
        "low_stock_threshold": product.low_stock_threshold,
        "is_active": product.is_active,
    }


@transaction.atomic
def product_create(
    *,
    actor: Actor,
    gym: Gym,
    name: str,
    price: Decimal,
    sku: str = "",
    quantity: int = 0,
    low_stock_threshold: int = 5,
    is_active: bool = True,
) -> Product:
    """A new product; an opening `quantity` enters the ledger as a restock."""
    sku = (sku or "").strip()
    _product_validate(gym_id=gym.pk, name=name, sku=sku, price=price, threshold=low_stock_threshold)
    if quantity < 0 or quantity > MAX_STOCK:
        message = _("Give a quantity between 0 and %(max)d.") % {"max": MAX_STOCK}
        raise Invalid(message, "invalid", errors={"quantity": [message]})
    product = Product(
        gym=gym,
        name=name.strip(),
        sku=sku,
        price=money(price),
        quantity=0,
        low_stock_threshold=low_stock_threshold,
        is_active=is_active,
    )
    product.low_stock_alerted = product.is_low and quantity <= low_stock_threshold
    _product_save(product)
    audit_record(actor=actor, action="product.created", target=product, data=_product_data(product))
    if quantity:
        _move_stock(
            actor=actor, products={product.pk: product}, deltas={product.pk: quantity}, reason=MovementReason.RESTOCK,
            note=str(_("Opening stock")),
        )
    return product


@transaction.atomic
def product_update(*, actor: Actor, product: Product, changes: dict[str, Any]) -> Product:
    """Change a product's `PRODUCT_EDITABLE_FIELDS` (400 field_not_editable otherwise).
    Past sales keep the unit price they were sold at."""
    check_editable(changes, PRODUCT_EDITABLE_FIELDS)
    changes = dict(changes)
    for field in ("name", "sku"):
        if isinstance(changes.get(field), str):
            changes[field] = changes[field].strip()
    if changes.get("price") is not None:
        changes["price"] = money(changes["price"])
    product = _lock_products([product.pk])[product.pk]
    was_active = product.is_active
    changed = apply_changes(product, changes)
    _product_validate(
        gym_id=product.gym_id,
        name=product.name,
        sku=product.sku,
        price=product.price,
        threshold=product.low_stock_threshold,
        exclude_id=product.pk,
    )
    if not product.is_low:
        product.low_stock_alerted = False
    _product_save(product)
    if was_active and not product.is_active:
        audit_record(actor=actor, action="product.deactivated", target=product, data={"name": product.name})
    if changed:
        audit_record(actor=actor, action="product.changed", target=product, data={"changes": changed})
    return product


@transaction.atomic
def product_delete(*, actor: Actor, product: Product) -> None:
    """A product with sales stays for their history: 409 product_in_use, deactivate it."""
    product = _lock_products([product.pk])[product.pk]
    if SaleItem.objects.filter(product=product).exists():
        raise Conflict(_("This product has sales; deactivate it instead of deleting it."), "product_in_use")
    audit_record(actor=actor, action="product.deleted", target=product, data=_product_data(product))
    product.delete()


# --- Sales ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    product_id: int
    quantity: int


def merge_lines(lines: Iterable[Line]) -> dict[int, int]:
    """Product id → quantity, the lines of one product added together (400 for a line of
    no units or too many)."""
    merged: dict[int, int] = {}
    for line in lines:
        merged[line.product_id] = merged.get(line.product_id, 0) + line.quantity
    for quantity in merged.values():
        if quantity < 1 or quantity > MAX_LINE_QUANTITY:
            message = _("Sell between 1 and %(max)d units of a product.") % {"max": MAX_LINE_QUANTITY}
            raise Invalid(message, "invalid", errors={"items": [message]})
    if not merged:
        message = _("A sale needs at least one item.")
        raise Invalid(message, "invalid", errors={"items": [message]})
    return merged


def _check_sellable(products: Mapping[int, Product], ids: Iterable[int], gym_id: int) -> None:
    for pk in sorted(ids):
        product = products.get(pk)
        if product is None or product.gym_id != gym_id:
            message = _("All the products of a sale belong to one gym.")
            raise Invalid(message, "invalid", errors={"items": [message]})
        if not product.is_active:
            message = _("%(product)s is not for sale (inactive).") % {"product": product.name}
            raise Invalid(message, "product_inactive", errors={"items": [message]})


def _check_method(method: str) -> None:
    if method not in PaymentMethod.values:
        message = _("Use cash, card or transfer.")
        raise Invalid(message, "invalid", errors={"method": [message]})


def _check_member(member: Member | None, gym_id: int) -> None:
    if member is not None and member.gym_id != gym_id:
        message = _("The member belongs to another gym.")
        raise Invalid(message, "invalid", errors={"member": [message]})


def _sale_data(sale: Sale, items: Iterable[SaleItem]) -> dict:
    return {
        "total_amount": str(sale.total_amount),
        "method": sale.method,
        "member": sale.member_id,
        "items": [{"product": i.product_id, "quantity": i.quantity, "unit_price": str(i.unit_price)} for i in items],
    }


@transaction.atomic
def sale_create(
    *, actor: Actor, lines: list[Line], method: str = PaymentMethod.CASH, member: Member | None = None
) -> Sale:
    """Sell: lock the products in id order, check every line's stock (409
    insufficient_stock naming the product, nothing written), record the sale with the
    prices of now and take the stock in the same transaction."""
    _check_method(method)
    merged = merge_lines(lines)
    products = _lock_products(merged)
    first = products.get(min(merged))
    if first is None:
        message = _("Product not found.")
        raise Invalid(message, "invalid", errors={"items": [message]})
    _check_sellable(products, merged, first.gym_id)
    _check_member(member, first.gym_id)
    gym = first.gym
    now = timezone.now()
    items = [
        SaleItem(product_id=pk, quantity=q, unit_price=products[pk].price, line_total=products[pk].price * q)
        for pk, q in sorted(merged.items())
    ]
    for pk in sorted(merged):
        if products[pk].quantity < merged[pk]:
            raise _insufficient(products[pk], merged[pk])
    sale = Sale.objects.create(
        gym_id=gym.pk,
        sold_by=actor.user,
        member=member,
        method=method,
        total_amount=sum((i.line_total for i in items), Decimal("0.00")),
        sale_date=now,
        local_date=local_date(now, gym.tz),
    )
    for item in items:
        item.sale = sale
    SaleItem.objects.bulk_create(items)
    _move_stock(
        actor=actor, products=products, deltas={pk: -q for pk, q in merged.items()}, reason=MovementReason.SALE,
        sale=sale, wanted=merged,
    )
    audit_record(actor=actor, action="sale.created", target=sale, data=_sale_data(sale, items))
    # The sale with what its answer shows, from the rows just written and locked: reading
    # them back (selectors.sales_queryset) cost three more queries per sale.
    sale.gym = gym
    for item in items:
        item.product = products[item.product_id]
    set_prefetched(sale, "items", items)
    return sale


def _lock_sale(sale: Sale) -> Sale:
    # Only the sale's row: locking its gym too would block every sale of the gym (their
    # foreign key check) while this one waits for a product.
    return Sale.objects.select_for_update(of=("self",)).select_related("gym").get(pk=sale.pk)


@transaction.atomic
def sale_update(*, actor: Actor, sale: Sale, changes: dict[str, Any]) -> Sale:
    """Change a sale's items (a list of `Line`), method or member. A changed quantity moves
    stock either way (409 insufficient_stock as for a sale); a new line is sold at today's
    price, a kept line keeps its price. A void sale is not edited (409 sale_void)."""
    check_editable(changes, SALE_EDITABLE_FIELDS)
    sale = _lock_sale(sale)
    if sale.voided:
        raise Conflict(_("This sale is void."), "sale_void")
    before = list(sale.items.all())
    changes = dict(changes)
    if "method" in changes:
        _check_method(changes["method"])
    if "member" in changes:
        _check_member(changes["member"], sale.gym_id)
    lines = changes.pop("items", None)
    changed = apply_changes(sale, changes)
    if lines is not None:
        merged = merge_lines(lines)
        old = {i.product_id: i for i in before}
        products = _lock_products(set(merged) | set(old))
        _check_sellable(products, set(merged) - set(old), sale.gym_id)
        deltas = {pk: old[pk].quantity if pk in old else 0 for pk in set(merged) | set(old)}
        for pk, q in merged.items():
            deltas[pk] -= q
        wanted = {pk: q - (old[pk].quantity if pk in old else 0) for pk, q in merged.items()}
        _move_stock(actor=actor, products=products, deltas=deltas, reason=MovementReason.SALE, sale=sale, wanted=wanted)
        keep, add = [], []
        for pk, q in sorted(merged.items()):
            if pk in old:
                item = old[pk]
                item.quantity, item.line_total = q, item.unit_price * q
                keep.append(item)
            else:
                price = products[pk].price
                add.append(SaleItem(sale=sale, product_id=pk, quantity=q, unit_price=price, line_total=price * q))
        SaleItem.objects.filter(sale=sale).exclude(product_id__in=merged).delete()
        SaleItem.objects.bulk_update(keep, ["quantity", "line_total"])
        SaleItem.objects.bulk_create(add)
        items = keep + add
        total = sum((i.line_total for i in items), Decimal("0.00"))
        if total != sale.total_amount or any(
            pk not in old or old[pk].quantity != q for pk, q in merged.items()
        ) or set(old) - set(merged):
            changed["items"] = [
                _sale_data(sale, before)["items"],
                _sale_data(sale, sorted(items, key=lambda i: i.product_id))["items"],
            ]
            changed["total_amount"] = [str(sale.total_amount), str(total)]
        sale.total_amount = total
    sale.save()
    if changed:
        audit_record(actor=actor, action="sale.changed", target=sale, data={"changes": changed})
    return sale


@transaction.atomic
def sale_void(*, actor: Actor, sale: Sale) -> Sale:
    """Void a sale: its stock comes back (sale_void movements), the sale stays, flagged,
    out of every sum. Voiding twice is a 409 sale_void."""
    sale = _lock_sale(sale)
    if sale.voided:
        raise Conflict(_("This sale is already void."), "sale_void")
    items = list(sale.items.all())
    products = _lock_products(i.product_id for i in items)
    _move_stock(
        actor=actor,
        products=products,
        deltas={i.product_id: i.quantity for i in items},
        reason=MovementReason.SALE_VOID,
        sale=sale,
    )
    sale.voided, sale.voided_at, sale.voided_by = True, timezone.now(), actor.user
    sale.save(update_fields=["voided", "voided_at", "voided_by", "updated_at"])
    audit_record(actor=actor, action="sale.voided", target=sale, data=_sale_data(sale, items))
    return sale
