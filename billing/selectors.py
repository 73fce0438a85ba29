"""Reads of billing that are more than a filter: a member's active periods, gym-local date
ranges, current or upcoming memberships, the reminders due, and the payments summary."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from gymsite.accounts.gymtime import per_gym_today_q
from gymsite.accounts.models import Gym
from gymsite.core.localtime import local_midnight
from members.models import Member

from .models import ExpiryReminder, Membership, Payment, PaymentMethod

# How late an "expired" reminder may still go out (the daily task missed days).
EXPIRED_REMINDER_CATCH_UP_DAYS = 7


def active_memberships(member: Member) -> list[Membership]:
    """The member's periods not cancelled, in start order, with their plans and pauses
    (the timeline the membership services check and the summary is computed from)."""
    return list(
        Membership.objects.filter(member=member, is_active=True)
        .select_related("plan")
        .prefetch_related("pauses")
        .order_by("starts_on", "id")
    )


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
    gym's today, one OR branch per time zone of `gyms`; ?active=false: the others."""
    not_over = per_gym_today_q(lambda today: Q(expires_on__gte=today), gyms=gyms)
    q = not_over & Q(is_active=True)
    return queryset.filter(q) if active else queryset.exclude(q)


def expiry_reminder_candidates(*, gym: Gym, today: date) -> list[tuple[str, Membership]]:
    """Which memberships of the gym get which reminder today: upcoming ones first, then
    expired ones, each in id order.

    - "upcoming": the coverage ends within the next `gym.expiry_reminder_days` days
      (today < expires_on <= today + N) and no upcoming reminder was sent for it yet;
    - "expired": the coverage ended within the last EXPIRED_REMINDER_CATCH_UP_DAYS (7) days
      (today - 7 <= expires_on < today: expires_on is the last day covered, so from the
      first day not covered until seven days after the last covered one) and no expired
      reminder was sent yet.
    Windows rather than exact days, so a day the daily task misses (worker down), or a
    send that failed, is caught up by the next run while the reminder is still due, and a
    member enrolled with fewer than N days left is still told; a reminder row with
    `sent_at` keeps it to once per membership and kind. Nobody is reminded on the expiry
    day itself (still covered, and past the upcoming window). Only the period that ends
    the member's coverage counts (a member who already renewed is not reminded), only
    active members with an email address. One query per gym."""
    not_sent = {
        kind: ~Exists(
            ExpiryReminder.objects.filter(membership=OuterRef("pk"), kind=kind, sent_at__isnull=False)
        )
        for kind in ExpiryReminder.Kind
    }
    rows = (
        Membership.objects.filter(
            (
                Q(expires_on__gt=today, expires_on__lte=today + timedelta(days=gym.expiry_reminder_days))
                & not_sent[ExpiryReminder.Kind.UPCOMING]
            )
            | (
                Q(expires_on__lt=today, expires_on__gte=today - timedelta(days=EXPIRED_REMINDER_CATCH_UP_DAYS))
                & not_sent[ExpiryReminder.Kind.EXPIRED]
            ),
            gym=gym,
            is_active=True,
            member__expires_on=F("expires_on"),
            member__is_active=True,
        )
        .exclude(member__email="")
        .select_related("member", "plan", "gym")
        .order_by("id")
    )
    upcoming, expired = [], []
    for membership in rows:
        if membership.expires_on > today:
            upcoming.append((ExpiryReminder.Kind.UPCOMING, membership))
        else:
            expired.append((ExpiryReminder.Kind.EXPIRED, membership))
    return upcoming + expired


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
                "gym": gym,
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
