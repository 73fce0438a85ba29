from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from gymsite.core.dates import DateFilter, DateRangeFilterMixin
from gymsite.core.filters import BooleanFilter, GymScopedFilterSet, IdFilter

from .models import PaymentMethod, Product, Sale


class ProductFilter(GymScopedFilterSet):
    is_active = BooleanFilter()
    search = filters.CharFilter(method="filter_search", help_text=_("Part of the name, or the SKU."))

    class Meta:
        model = Product
        fields = ["is_active", "search", "gym"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(sku__iexact=value))


class SaleFilter(DateRangeFilterMixin, GymScopedFilterSet):
    date_from = DateFilter(field_name="local_date", lookup_expr="gte", help_text=_("First day, in the gym's time zone."))
    date_to = DateFilter(field_name="local_date", lookup_expr="lte", help_text=_("Last day, in the gym's time zone."))
    product = IdFilter(field_name="items__product_id", distinct=True)
    sold_by = IdFilter(field_name="sold_by_id")
    member = IdFilter(field_name="member_id")
    method = filters.ChoiceFilter(choices=PaymentMethod.choices)
    voided = BooleanFilter()

    class Meta:
        model = Sale
        fields = ["date_from", "date_to", "product", "sold_by", "member", "method", "voided", "gym"]
