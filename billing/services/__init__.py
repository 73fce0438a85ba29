"""Billing's writes with rules (DESIGN.md: services), one module per concern:

- `plans`: create, change, delete; the active plan a member may buy;
- `payments`: record, void; a sale's payment terms;
- `memberships`: enroll with a plan, renew, assign, change, delete, pause, resume, and
  the member's membership summary (the date arithmetic is `billing.periods`);
- `reminders`: the expiry reminder mails.

Callers use `from billing import services; services.membership_renew(...)`: the public
functions are re-exported here.
"""

from .memberships import (
    MAX_PAUSE_DAYS,
    Purchase,
    member_enroll,
    member_summary_refresh,
    membership_assign,
    membership_delete,
    membership_pause,
    membership_renew,
    membership_resume,
    membership_update,
)
from .payments import payment_record, payment_void
from .plans import plan_create, plan_delete, plan_for_member, plan_update
from .reminders import expiry_reminders_send

__all__ = [
    "MAX_PAUSE_DAYS",
    "Purchase",
    "expiry_reminders_send",
    "member_enroll",
    "member_summary_refresh",
    "membership_assign",
    "membership_delete",
    "membership_pause",
    "membership_renew",
    "membership_resume",
    "membership_update",
    "payment_record",
    "payment_void",
    "plan_create",
    "plan_delete",
    "plan_for_member",
    "plan_update",
]
