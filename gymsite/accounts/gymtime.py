""""Today in the gym's time zone" for querysets.

A row's "today" is its gym's (DESIGN.md), so a filter such as "expires today or later" has
a different day per gym. `per_gym_today_q` builds that filter as one Q: one OR branch per
time zone in use (not per gym), so a chain of a hundred gyms in three zones costs three
branches and one small query for the zones. Every app builds such filters through it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from django.db.models import Q

from gymsite.core.localtime import local_today

from .models import Gym


def per_gym_today_q(
    build: Callable[[date], Q],
    *,
    gym_field: str = "gym",
    gyms: Iterable[Gym] | None = None,
    now: datetime | None = None,
) -> Q:
    """`build(today)` for the rows of each gym, with that gym's today.

    `gym_field` is the path from the queryset's model to its gym (`"member__gym"`);
    `gyms` limits the branches to those gyms (default: every gym's zone); `now` pins the
    clock for reports and tests."""
    if gyms is None:
        zones = set(Gym.objects.order_by().values_list("time_zone", flat=True).distinct())
    else:
        zones = {gym.time_zone for gym in gyms}
    q = Q(pk__in=[])
    for zone in sorted(zones):
        q |= Q(**{f"{gym_field}__time_zone": zone}) & build(local_today(zone, now))
    return q


def gym_todays(gyms: Iterable[Gym], now: datetime | None = None) -> dict[int, date]:
    """Each gym's today, by gym id (for rows read one by one)."""
    return {gym.pk: local_today(gym.tz, now) for gym in gyms}
