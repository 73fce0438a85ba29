from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.admin_audit import audit_value_labels
from gymsite.accounts.admin_display import money
from gymsite.accounts.admin_mixins import ReadOnlyAdminMixin, ServiceAdminMixin
from gymsite.accounts.admin_time import GymTimeAdminMixin

from . import services
from .models import (
    PRODUCT_EDITABLE_FIELDS,
    MovementReason,
    PaymentMethod,
    Product,
    Sale,
    SaleItem,
    StockMovement,
)

audit_value_labels("reason", MovementReason.choices)
audit_value_labels("method", PaymentMethod.choices)


@admin.register(Product)
class ProductAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Writes go through the services (audited like the API's). The stock is read here:
    it moves only through the ledger (sales, and PUT /products/{id}/stock)."""

    gym_time_fields = ("updated_at",)
    list_display = ["name", "sku", "gym", "price_display", "quantity", "low_stock_threshold", "is_active", "updated_at"]
    list_filter = ["gym", "is_active"]
    search_fields = ["name", "sku"]
    list_select_related = ["gym"]
    readonly_fields = ["quantity"]
    fields = ["gym", "name", "sku", "price", "quantity", "low_stock_threshold", "is_active"]
    service_fields = PRODUCT_EDITABLE_FIELDS

    @admin.display(description=_("price"), ordering="price")
    def price_display(self, product: Product):
        return money(product.price, product.gym.currency)

    def get_readonly_fields(self, request, obj=None):
        return ["gym", "quantity"] if obj is not None else ["quantity"]

    def service_create(self, *, actor, form, data):
        return services.product_create(actor=actor, gym=form.cleaned_data["gym"], **data)

    def service_update(self, *, actor, obj, changes):
        return services.product_update(actor=actor, product=obj, changes=changes)

    def service_delete(self, *, actor, obj):
        services.product_delete(actor=actor, product=obj)


class SaleItemInline(admin.TabularInline):
    model = SaleItem
    extra = 0
    fields = ["product", "quantity", "unit_price", "line_total"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdminMixin, GymTimeAdminMixin, admin.ModelAdmin):
    """Sales are made, changed and voided through the API (stock moves with them)."""

    gym_time_fields = ("sale_date",)
    list_display = ["sale_date", "gym", "sold_by", "member", "method", "total_display", "voided"]
    list_filter = ["gym", "method", "voided"]
    list_select_related = ["gym", "sold_by", "member"]
    date_hierarchy = "local_date"
    fields = ["gym", "sold_by", "member", "method", "total_amount", "sale_date", "local_date", "voided", "voided_at", "voided_by"]
    readonly_fields = fields
    inlines = [SaleItemInline]

    @admin.display(description=_("total amount"), ordering="total_amount")
    def total_display(self, sale: Sale):
        return money(sale.total_amount, sale.gym.currency)


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, GymTimeAdminMixin, admin.ModelAdmin):
    """The ledger, read-only."""

    gym_field = "product__gym"
    gym_column = None
    gym_time_fields = ("at",)
    list_display = ["at", "product", "delta", "reason", "sale", "by", "note"]
    list_filter = ["reason", "product__gym"]
    search_fields = ["product__name", "product__sku", "note"]
    list_select_related = ["product__gym", "by", "sale"]
    fields = ["product", "delta", "reason", "sale", "by", "at", "note"]
    readonly_fields = fields
