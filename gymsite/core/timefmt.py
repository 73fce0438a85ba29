"""How times are shown to the front desk.

Seed 002 shows a member's last visit as "HH:MM AM/PM" in the gym's time zone and "--:--"
before the first visit. Built by hand rather than with strftime("%I:%M %p"): `%p` follows
the process locale, and the display is a contract, not a locale choice.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

NO_VISIT_DISPLAY = "--:--"


def format_visit_time(dt: datetime | None, tz: tzinfo) -> str:
    """`dt` (aware) as "07:45 PM" in `tz`; "--:--" when there is no time."""
    if dt is None:
        return NO_VISIT_DISPLAY
    local = dt.astimezone(tz)
    hour12 = local.hour % 12 or 12
    suffix = "AM" if local.hour < 12 else "PM"
    return f"{hour12:02d}:{local.minute:02d} {suffix}"
