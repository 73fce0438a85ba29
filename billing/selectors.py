"""Reads of billing that are more than a filter: gym-local date ranges and the payments
summary."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from gymsite.accounts.models import Gym
from gymsite.core.localtime import local_midnight, local_today

from .models import Membership, Payment, PaymentMethod


def local_datetime_range_q(
    gyms: Iterable[Gym], *, field: str, date_from: date | None, date_to: date | None
) -> Q:
    """Rows whose `field` (a datetime) falls within [date_from, date_to] as dates in each
    row's own gym time zone. One OR branch per gym, so the query stays one query."""
    branches = Q(pk__in=[])
    for gym in gyms:
        cond = Q(gym_id=gym.pk)
        if date_from:
            cond &= Q(**{f"{field}__gte": local_midnight(date_from, gym.tz)})
        if date_to:
            cond &= Q(**{f"{field}__lt": local_midnight(date_to + timedelta(days=1), gym.tz)})
        branches |= cond
    return branches


def memberships_current_or_upcoming(queryset: QuerySet[Membership], gyms: Iterable[Gym], active: bool) -> QuerySet:
    """?active=true: periods not cancelled and not over (covering today or later) in their
    gym's today, one OR branch per gym; ?active=false: the others."""
    now = timezone.now()
    not_over = Q(pk__in=[])
    for gym in gyms:
        not_over |= Q(gym_id=gym.pk, expires_on__gte=local_today(gym.tz, now))
    q = not_over & Q(is_active=True)
    return queryset.filter(q) if active else queryset.exclude(q)


def _totals(rows) -> tuple[Decimal, int]:
    return (
        sum((r["total"] for r in rows), Decimal("0.00")),
        sum(r["count"] for r in rows),
    )


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal("0")).quantize(Decimal("0.01"))


def payments_summary(*, gyms: Iterable[Gym], date_from: date | None, date_to: date | None) -> list[dict]:
    """Totals of the non-void payments of each gym, by method, by gym-local day and by plan.

    Each gym is summed on its own, in its own currency and time zone: an admin of a chain
    whose gyms use different currencies gets one block per gym and never a sum across
    currencies (add the blocks of one currency yourself if you must)."""
    out = []
    for gym in gyms:
        base = Payment.objects.filter(gym=gym, is_void=False).filter(
            local_datetime_range_q([gym], field="paid_at", date_from=date_from, date_to=date_to)
        )
        by_method = {
            r["method"]: r
            for r in base.values("method").annotate(total=Sum("amount"), count=Count("id")).order_by("method")
        }
        methods = [
            {"method": m, "total": _money(by_method.get(m, {}).get("total")), "count": by_method.get(m, {}).get("count", 0)}
            for m in PaymentMethod.values
        ]
        by_day = [
            {"date": r["day"], "total": _money(r["total"]), "count": r["count"]}
            for r in base.annotate(day=TruncDate("paid_at", tzinfo=gym.tz))
            .values("day")
            .annotate(total=Sum("amount"), count=Count("id"))
            .order_by("day")
        ]
        by_plan = [
            {
                "plan": r["membership__plan_id"],
                "plan_name": r["membership__plan__name"] or "",
                "total": _money(r["total"]),
                "count": r["count"],
            }
            for r in base.values("membership__plan_id", "membership__plan__name")
            .annotate(total=Sum("amount"), count=Count("id"))
            .order_by("membership__plan__name", "membership__plan_id")
        ]
        total, count = _totals(methods)
        out.append(
            {
                "gym": {"id": gym.pk, "name": gym.name},
                "currency": gym.currency,
                "time_zone": gym.time_zone,
                "total": _money(total),
                "count": count,
                "by_method": methods,
                "by_day": by_day,
                "by_plan": by_plan,
            }
        )
    return out
