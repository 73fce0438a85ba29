"""Input validation and output shape of the shop counter (no rules: those live in services)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gymsite.accounts.models import Gym
from gymsite.accounts.scoping import VisibleRelatedField, scope_to_gym
from gymsite.accounts.serializers import GymRefSerializer
from gymsite.core.dates import BoundedDateField
from gymsite.core.ids import MAX_ID
from gymsite.core.money import AmountField
from members.models import Member

from .models import MovementReason, PaymentMethod, Product, Sale, SaleItem, StockMovement
from .services import ADJUST_REASONS, MAX_LINE_QUANTITY, MAX_STOCK, Line

MAX_CART_LINES = 100


# --- Products -------------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    price = AmountField(min_value=0)
    gym = VisibleRelatedField(
        queryset=Gym.objects.all(), gym_field=None, required=False, help_text=_("The product's gym (admins).")
    )
    currency = serializers.CharField(source="gym.currency", read_only=True)
    quantity = serializers.IntegerField(
        min_value=0, max_value=MAX_STOCK, required=False, help_text=_("Opening stock (POST); then PUT …/stock.")
    )
    low_stock_threshold = serializers.IntegerField(min_value=0, max_value=MAX_STOCK, required=False)
    is_low = serializers.BooleanField(read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "gym",
            "name",
            "sku",
            "price",
            "currency",
            "quantity",
            "low_stock_threshold",
            "is_low",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "currency", "is_low", "created_at", "updated_at"]
        validators: list = []


class ProductUpdateSerializer(ProductSerializer):
    quantity = serializers.IntegerField(read_only=True)

    class Meta(ProductSerializer.Meta):
        read_only_fields = ["id", "gym", "currency", "quantity", "is_low", "created_at", "updated_at"]


class StockSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(
        min_value=0, max_value=MAX_STOCK, required=False, help_text=_("The count: the stock is this now.")
    )
    delta = serializers.IntegerField(
        min_value=-MAX_STOCK, max_value=MAX_STOCK, required=False, help_text=_("Or a change, with a reason.")
    )
    reason = serializers.ChoiceField(
        choices=[(r, MovementReason(r).label) for r in ADJUST_REASONS], required=False
    )
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        has_quantity, has_delta = "quantity" in attrs, "delta" in attrs
        if has_quantity == has_delta:
            raise serializers.ValidationError(_("Give either quantity (a count) or delta with a reason."))
        if has_delta and "reason" not in attrs:
            raise serializers.ValidationError({"reason": [_("A change needs a reason: restock or adjustment.")]})
        return attrs


class MovementSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = StockMovement
        fields = ["id", "product", "delta", "reason", "sale", "by", "at", "note"]
        read_only_fields = fields


# --- Sales ----------------------------------------------------------------------------


class SaleItemSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)
    unit_price = AmountField(read_only=True)
    line_total = AmountField(read_only=True)

    class Meta:
        model = SaleItem
        fields = ["id", "product", "product_name", "quantity", "unit_price", "line_total"]
        read_only_fields = fields


class SaleSerializer(serializers.ModelSerializer):
    gym = GymRefSerializer(read_only=True)
    currency = serializers.CharField(source="gym.currency", read_only=True)
    sold_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    member_name = serializers.CharField(source="member.full_name", read_only=True, allow_null=True, default=None)
    items = SaleItemSerializer(many=True, read_only=True)
    total_amount = AmountField(read_only=True)
    voided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Sale
        fields = [
            "id",
            "gym",
            "currency",
            "sold_by",
            "member",
            "member_name",
            "method",
            "items",
            "total_amount",
            "sale_date",
            "local_date",
            "voided",
            "voided_at",
            "voided_by",
        ]
        read_only_fields = fields


class LineSerializer(serializers.Serializer):
    product = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class LinesMixin(serializers.Serializer):
    """A cart's lines; their products are looked up together, among the products the user
    may see (400 does_not_exist on the line otherwise), in one query for any cart."""

    items = LineSerializer(many=True, required=False, max_length=MAX_CART_LINES)

    def validate_items(self, items):
        if not items:
            raise serializers.ValidationError(_("A sale needs at least one item."))
        request = self.context["request"]
        ids = {line["product"] for line in items}
        visible = set(scope_to_gym(Product.objects.filter(pk__in=ids), request.user).values_list("pk", flat=True))
        errors = [
            {}
            if line["product"] in visible
            else {"product": [_('Invalid pk "%(pk)s" - object does not exist.') % {"pk": line["product"]}]}
            for line in items
        ]
        if any(errors):
            raise serializers.ValidationError(errors, code="does_not_exist")
        return [Line(product_id=line["product"], quantity=line["quantity"]) for line in items]


class SaleCreateSerializer(LinesMixin):
    """A cart `{"items": [{"product", "quantity"}], "method", "member"?}` or seed 001's
    single product `{"product", "quantity"}`."""

    product = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, help_text=_("One product (seed form)."))
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, required=False)
    method = serializers.ChoiceField(choices=PaymentMethod.choices, required=False, default=PaymentMethod.CASH)
    member = VisibleRelatedField(queryset=Member.objects.all(), required=False, allow_null=True)

    def validate(self, attrs):
        single = attrs.pop("product", None), attrs.pop("quantity", None)
        if "items" in attrs:
            if single != (None, None):
                raise serializers.ValidationError(_("Give items, or one product and its quantity, not both."))
            return attrs
        if single[0] is None:
            raise serializers.ValidationError({"items": [_("A sale needs at least one item.")]})
        attrs["items"] = self.validate_items([{"product": single[0], "quantity": single[1] or 1}])
        return attrs


class SaleUpdateSerializer(LinesMixin):
    method = serializers.ChoiceField(choices=PaymentMethod.choices, required=False)
    member = VisibleRelatedField(queryset=Member.objects.all(), required=False, allow_null=True)


class SalesQuerySerializer(serializers.Serializer):
    date = BoundedDateField(required=False, help_text=_("The gym-local day (default: today)."))


class SummaryQuerySerializer(serializers.Serializer):
    date_from = BoundedDateField(required=False)
    date_to = BoundedDateField(required=False)


class ByProductSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    total = AmountField()


class BySellerSerializer(serializers.Serializer):
    user = serializers.IntegerField(allow_null=True)
    username = serializers.CharField()
    count = serializers.IntegerField()
    total = AmountField()


class ByDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()
    total = AmountField()


class ByMethodSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    count = serializers.IntegerField()
    total = AmountField()


class GymSalesSummarySerializer(serializers.Serializer):
    gym = GymRefSerializer()
    currency = serializers.CharField()
    time_zone = serializers.CharField()
    count = serializers.IntegerField()
    total = AmountField()
    by_product = ByProductSerializer(many=True)
    by_seller = BySellerSerializer(many=True)
    by_day = ByDaySerializer(many=True)
    by_method = ByMethodSerializer(many=True)


class SalesSummarySerializer(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    gyms = GymSalesSummarySerializer(many=True)
