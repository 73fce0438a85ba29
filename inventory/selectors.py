"""Reads of the shop counter that are more than a filter: the day's sales in gym time and
the sales summary. Void sales are left out of every sum."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from gymsite.accounts.gymtime import per_gym_today_q
from gymsite.accounts.models import Gym

from .models import PaymentMethod, Product, Sale, SaleItem


def sales_queryset() -> QuerySet[Sale]:
    """Sales with everything their serializer shows, in a fixed number of queries."""
    return Sale.objects.select_related("gym", "sold_by", "member", "voided_by").prefetch_related("items__product")


def low_stock(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Products at or below their threshold."""
    return queryset.filter(quantity__lte=F("low_stock_threshold"))


def sales_of_day(queryset: QuerySet[Sale], *, gyms: Iterable[Gym], day: date | None) -> QuerySet[Sale]:
    """The sales of gym-local `day`, or of each gym's own today when no day is given."""
    if day is not None:
        return queryset.filter(local_date=day)
    return queryset.filter(per_gym_today_q(lambda today: Q(local_date=today), gyms=gyms))


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal("0")).quantize(Decimal("0.01"))


def _in_range(queryset: QuerySet, prefix: str, date_from: date | None, date_to: date | None) -> QuerySet:
    if date_from:
        queryset = queryset.filter(**{f"{prefix}local_date__gte": date_from})
    if date_to:
        queryset = queryset.filter(**{f"{prefix}local_date__lte": date_to})
    return queryset


def sales_summary(
    sales: QuerySet[Sale], *, gyms: Iterable[Gym], date_from: date | None, date_to: date | None
) -> list[dict]:
    """Count and total of the non-void `sales` between the gym-local days given, then by
    product (units and revenue), by seller, by day and by method. One block per gym, in its
    currency: amounts of different currencies are never added together."""
    out = []
    sale_ids = _in_range(sales.filter(voided=False), "", date_from, date_to)
    for gym in gyms:
        base = sale_ids.filter(gym=gym).order_by()
        totals = base.aggregate(total=Sum("total_amount"), count=Count("id"))
        by_method = {r["method"]: r for r in base.values("method").annotate(total=Sum("total_amount"), count=Count("id"))}
        items = SaleItem.objects.filter(sale__in=base.values("pk")).order_by()
        out.append(
            {
                "gym": gym,
                "currency": gym.currency,
                "time_zone": gym.time_zone,
                "count": totals["count"],
                "total": _money(totals["total"]),
                "by_product": [
                    {"product": r["product_id"], "name": r["product__name"], "quantity": r["quantity"], "total": _money(r["total"])}
                    for r in items.values("product_id", "product__name")
                    .annotate(quantity=Sum("quantity"), total=Sum("line_total"))
                    .order_by("-total", "product__name", "product_id")
                ],
                "by_seller": [
                    {"user": r["sold_by_id"], "username": r["sold_by__username"] or "", "count": r["count"], "total": _money(r["total"])}
                    for r in base.values("sold_by_id", "sold_by__username")
                    .annotate(total=Sum("total_amount"), count=Count("id"))
                    .order_by("sold_by__username", "sold_by_id")
                ],
                "by_day": [
                    {"date": r["local_date"], "count": r["count"], "total": _money(r["total"])}
                    for r in base.values("local_date").annotate(total=Sum("total_amount"), count=Count("id")).order_by("local_date")
                ],
                "by_method": [
                    {
                        "method": m,
                        "count": by_method.get(m, {}).get("count", 0),
                        "total": _money(by_method.get(m, {}).get("total")),
                    }
                    for m in PaymentMethod.values
                ],
            }
        )
    return out
