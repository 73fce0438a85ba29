"""The shop counter: products, their stock ledger, and sales (seed 001's products and sales).

A product's `quantity` is a running total of its `StockMovement` rows: every write that
moves stock (a sale, a void, a restock, an adjustment, a count) adds one movement and
changes the quantity by the same delta, under the product's row lock, in one transaction.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.models import Gym
from gymsite.core.models import TimeStampedModel
from gymsite.core.money import MONEY, PaymentMethod
from members.models import Member

DEFAULT_LOW_STOCK_THRESHOLD = 5

# What PUT/PATCH may change (`gymsite.core.changes.check_editable`): never the gym, and the
# quantity only through the stock endpoint (a movement in the ledger).
PRODUCT_EDITABLE_FIELDS = ("name", "sku", "price", "low_stock_threshold", "is_active")
SALE_EDITABLE_FIELDS = ("items", "method", "member")


class MovementReason(models.TextChoices):
    SALE = "sale", _("Sale")
    SALE_VOID = "sale_void", _("Sale voided")
    RESTOCK = "restock", _("Restock")
    ADJUSTMENT = "adjustment", _("Adjustment")
    COUNT = "count", _("Count")


class Product(TimeStampedModel):
    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("name"), max_length=120)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    price = models.DecimalField(_("price"), **MONEY)
    quantity = models.IntegerField(_("quantity in stock"), default=0)
    low_stock_threshold = models.PositiveIntegerField(_("low stock threshold"), default=DEFAULT_LOW_STOCK_THRESHOLD)
    # Set when the low-stock email went out for the current crossing; cleared when the
    # stock rises above the threshold again, so the next crossing emails again.
    low_stock_alerted = models.BooleanField(_("low stock alert sent"), default=False, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["gym_id", "name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(Lower("name"), "gym", name="product_name_unique_in_gym"),
            models.UniqueConstraint(
                "gym", "sku", condition=~Q(sku=""), name="product_sku_unique_in_gym"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="product_quantity_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_low(self) -> bool:
        return self.quantity <= self.low_stock_threshold


class Sale(models.Model):
    """One sale at the counter: one or more items. Never deleted: an admin voids it (kept,
    flagged, its stock back, out of every sum)."""

    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.PROTECT, related_name="sales")
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sold by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.CASH)
    total_amount = models.DecimalField(_("total amount"), **MONEY)
    sale_date = models.DateTimeField(_("sale date"), default=timezone.now, db_index=True)
    # The gym-local day of `sale_date`, fixed when the sale is made (daily lists, summaries).
    local_date = models.DateField(_("day"), db_index=True)
    voided = models.BooleanField(_("void"), default=False)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-sale_date", "-id"]
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gte=Decimal("0")), name="sale_total_not_negative"),
            models.CheckConstraint(condition=Q(method__in=PaymentMethod.values), name="sale_method_valid"),
        ]
        indexes = [models.Index(fields=["gym", "local_date"])]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.total_amount}"


class SaleItem(models.Model):
    sale = models.ForeignKey(Sale, verbose_name=_("sale"), on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="sale_items")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    line_total = models.DecimalField(_("line total"), **MONEY)

    class Meta:
        ordering = ["sale_id", "id"]
        verbose_name = _("sale item")
        verbose_name_plural = _("sale items")
        constraints = [
            models.UniqueConstraint(fields=["sale", "product"], name="sale_item_product_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sale_item_quantity_positive"),
            models.CheckConstraint(
                condition=Q(line_total=F("unit_price") * F("quantity")), name="sale_item_line_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"


class StockMovement(models.Model):
    """The ledger: a product's quantity is the sum of its movements' deltas."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="movements")
    delta = models.IntegerField(_("change"))
    reason = models.CharField(_("reason"), max_length=12, choices=MovementReason.choices)
    sale = models.ForeignKey(
        Sale, verbose_name=_("sale"), on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="stock_movement_delta_not_zero"),
            models.CheckConstraint(condition=Q(reason__in=MovementReason.values), name="stock_movement_reason_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.delta:+d} ({self.reason})"
