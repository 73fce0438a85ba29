"""The shop counter's REST API: products (with their stock and ledger) and sales."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gymsite.accounts.audit import Actor
from gymsite.accounts.roles import role_can
from gymsite.accounts.scoping import GymScopedMixin, gym_for_write, request_gyms
from gymsite.core.dates import MAX_SUMMARY_DAYS, check_date_range

from . import selectors, services
from .filters import ProductFilter, SaleFilter
from .models import Product, Sale, StockMovement
from .serializers import (
    MovementSerializer,
    ProductSerializer,
    ProductUpdateSerializer,
    SaleCreateSerializer,
    SaleSerializer,
    SalesQuerySerializer,
    SalesSummarySerializer,
    SaleUpdateSerializer,
    StockSerializer,
    SummaryQuerySerializer,
)

GYM_PARAM = OpenApiParameter("gym", int, description="Gym id (admins).")


@extend_schema_view(
    list=extend_schema(summary="List products"),
    retrieve=extend_schema(summary="A product"),
    create=extend_schema(summary="Create a product (an opening quantity enters the ledger as a restock)"),
    update=extend_schema(request=ProductUpdateSerializer, responses={200: ProductSerializer}),
    partial_update=extend_schema(request=ProductUpdateSerializer, responses={200: ProductSerializer}),
    destroy=extend_schema(summary="Delete a product (409 product_in_use when it has sales: deactivate it)"),
)
class ProductViewSet(GymScopedMixin, viewsets.ModelViewSet):
    queryset = Product.objects.select_related("gym")
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ["name", "price", "quantity", "created_at"]
    permission_map = {
        "list": "products.read",
        "active": "products.read",
        "low_stock": "products.read",
        "retrieve": "products.read",
        "movements": "products.read",
        "create": "products.manage",
        "update": "products.manage",
        "partial_update": "products.manage",
        "destroy": "products.manage",
        "stock": "products.manage",
    }

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ProductUpdateSerializer
        return super().get_serializer_class()

    def _page(self, queryset):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ProductSerializer(page, many=True).data)

    @extend_schema(summary="List active products", responses={200: ProductSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def active(self, request):
        return self._page(self.filter_queryset(self.get_queryset()).filter(is_active=True))

    @extend_schema(
        summary="List products at or below their low-stock threshold", responses={200: ProductSerializer(many=True)}
    )
    @action(detail=False, methods=["get"], url_path="low-stock")
    def low_stock(self, request):
        return self._page(selectors.low_stock(self.filter_queryset(self.get_queryset())))

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        gym = gym_for_write(self.request.user, data.pop("gym", None))
        serializer.instance = services.product_create(actor=Actor.from_request(self.request), gym=gym, **data)

    def perform_update(self, serializer):
        serializer.instance = services.product_update(
            actor=Actor.from_request(self.request), product=serializer.instance, changes=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.product_delete(actor=Actor.from_request(self.request), product=instance)

    @extend_schema(
        summary="Set or adjust a product's stock",
        description=_(
            '{"quantity"} records a count (the stock is this now); {"delta", "reason", "note"} '
            "records a restock or an adjustment. 409 insufficient_stock below zero."
        ),
        request=StockSerializer,
        responses={200: ProductSerializer},
    )
    @action(detail=True, methods=["put"], filterset_class=None)
    def stock(self, request, pk=None):
        product = self.get_object()
        form = StockSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        actor = Actor.from_request(request)
        if "quantity" in data:
            services.product_stock_set(actor=actor, product=product, quantity=data["quantity"], note=data["note"])
        else:
            services.product_stock_adjust(
                actor=actor, product=product, delta=data["delta"], reason=data["reason"], note=data["note"]
            )
        return Response(ProductSerializer(self.get_queryset().get(pk=product.pk)).data)

    @extend_schema(summary="A product's stock ledger, newest first", responses={200: MovementSerializer(many=True)})
    @action(detail=True, methods=["get"], filterset_class=None)
    def movements(self, request, pk=None):
        product = self.get_object()
        page = self.paginate_queryset(
            StockMovement.objects.filter(product=product).select_related("by").order_by("-at", "-id")
        )
        return self.get_paginated_response(MovementSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="List sales (the admin all; others their own)"),
    retrieve=extend_schema(summary="A sale"),
    create=extend_schema(
        summary="Sell: a cart or one product",
        description=_(
            'A cart {"items": [{"product", "quantity"}], "method", "member"?} or seed 001\'s '
            '{"product", "quantity"}. 409 insufficient_stock, naming the product, when a line '
            "lacks stock: nothing is sold. 400 for an inactive product."
        ),
        request=SaleCreateSerializer,
        responses={201: SaleSerializer},
    ),
    update=extend_schema(summary="Change a sale (admin)", request=SaleUpdateSerializer, responses={200: SaleSerializer}),
    partial_update=extend_schema(
        summary="Change a sale (admin)", request=SaleUpdateSerializer, responses={200: SaleSerializer}
    ),
    destroy=extend_schema(summary="Void a sale (admin): its stock comes back, the sale stays, marked void"),
)
class SaleViewSet(
    GymScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = selectors.sales_queryset()
    serializer_class = SaleSerializer
    filterset_class = SaleFilter
    ordering_fields = ["sale_date", "total_amount"]
    permission_map = {
        "list": "sales.read",
        "retrieve": "sales.read",
        "daily": "sales.read",
        "summary": "sales.read",
        "create": "sales.sell",
        "update": "sales.edit",
        "partial_update": "sales.edit",
        "destroy": "sales.void",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if not role_can(self.request.user.role, "sales.read_all"):
            queryset = queryset.filter(sold_by=self.request.user)
        return queryset

    def _sale(self, pk: int) -> Sale:
        return selectors.sales_queryset().get(pk=pk)

    def create(self, request, *args, **kwargs):
        form = SaleCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        sale = services.sale_create(
            actor=Actor.from_request(request), lines=data["items"], method=data["method"], member=data.get("member")
        )
        # The service's sale carries what the answer shows (no read back).
        return Response(SaleSerializer(sale).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        sale = self.get_object()
        form = SaleUpdateSerializer(data=request.data, context=self.get_serializer_context(), partial=True)
        form.is_valid(raise_exception=True)
        services.sale_update(actor=Actor.from_request(request), sale=sale, changes=dict(form.validated_data))
        return Response(SaleSerializer(self._sale(sale.pk)).data)

    def destroy(self, request, *args, **kwargs):
        sale = self.get_object()
        services.sale_void(actor=Actor.from_request(request), sale=sale)
        return Response(SaleSerializer(self._sale(sale.pk)).data)

    @extend_schema(
        summary="The sales of one gym-local day",
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description=_("The day (default: today, gym time)."))],
        responses={200: SaleSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def daily(self, request):
        form = SalesQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        queryset = selectors.sales_of_day(
            self.get_queryset(), gyms=request_gyms(request), day=form.validated_data.get("date")
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(SaleSerializer(page, many=True).data)

    @extend_schema(
        summary="Sales totals: count and total, by product, seller, day and method",
        description=_(
            "Non-void sales between date_from and date_to (inclusive, gym-local days) that the "
            "caller may see (the admin all, others their own). One block per gym, in its currency."
        ),
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, description=_("First day (gym-local).")),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description=_("Last day (gym-local).")),
            GYM_PARAM,
        ],
        responses={200: SalesSummarySerializer},
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def summary(self, request):
        form = SummaryQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        date_from, date_to = form.validated_data.get("date_from"), form.validated_data.get("date_to")
        check_date_range(date_from, date_to, max_days=MAX_SUMMARY_DAYS)
        body = {
            "date_from": date_from,
            "date_to": date_to,
            "gyms": selectors.sales_summary(
                self.get_queryset(), gyms=request_gyms(request), date_from=date_from, date_to=date_to
            ),
        }
        return Response(SalesSummarySerializer(body).data)
