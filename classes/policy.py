"""A gym's booking rules: its `ClassPolicy` row, or the project's defaults (settings.py,
CLASSES_*, overridable from the environment) when it has none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from .models import ClassPolicy

NO_SHOW_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Policy:
    booking_window_days: int
    cancel_cutoff_minutes: int
    weeks_ahead: int
    no_show_limit: int | None  # None: the no-show policy is off (the default)
    no_show_block_days: int

    @property
    def booking_window(self) -> timedelta:
        return timedelta(days=self.booking_window_days)

    @property
    def cancel_cutoff(self) -> timedelta:
        return timedelta(minutes=self.cancel_cutoff_minutes)


def default_policy() -> Policy:
    return Policy(
        booking_window_days=settings.CLASSES_BOOKING_WINDOW_DAYS,
        cancel_cutoff_minutes=settings.CLASSES_CANCEL_CUTOFF_MINUTES,
        weeks_ahead=settings.CLASSES_WEEKS_AHEAD,
        no_show_limit=None,
        no_show_block_days=7,
    )


def policy_for(gym_id: int) -> Policy:
    return policies_for([gym_id])[gym_id]


def policies_for(gym_ids) -> dict[int, Policy]:
    """The policy of each gym of `gym_ids`, in one query."""
    rows = {row.gym_id: row for row in ClassPolicy.objects.filter(gym_id__in=list(gym_ids))}
    default = default_policy()
    return {
        gym_id: (
            Policy(
                booking_window_days=rows[gym_id].booking_window_days,
                cancel_cutoff_minutes=rows[gym_id].cancel_cutoff_minutes,
                weeks_ahead=rows[gym_id].weeks_ahead,
                no_show_limit=rows[gym_id].no_show_limit,
                no_show_block_days=rows[gym_id].no_show_block_days,
            )
            if gym_id in rows
            else default
        )
        for gym_id in gym_ids
    }
