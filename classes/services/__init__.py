"""Every write of the classes app (DESIGN.md: services).

- `schedule`: class types, weekly rules, generating sessions, one-off sessions, moving and
  cancelling sessions;
- `bookings`: booking, the waitlist, cancelling, class check-in, no-shows;
- `feeds`: the calendar feeds' tokens.

Lock order, everywhere: the member (when one is involved), then the session, then its
bookings. A session's row lock serialises every change of its places and its waitlist.
"""

from .bookings import (
    ClassCheckIn,
    booking_cancel,
    booking_create,
    bookings_mark_no_show,
    class_check_in,
)
from .feeds import feed_token_create, feed_token_revoke
from .schedule import (
    RuleUpdate,
    class_policy_save,
    class_session_cancel,
    class_session_create,
    class_session_update,
    class_type_create,
    class_type_delete,
    class_type_update,
    schedule_rule_create,
    schedule_rule_delete,
    schedule_rule_update,
    sessions_generate,
)

__all__ = [
    "ClassCheckIn",
    "RuleUpdate",
    "booking_cancel",
    "booking_create",
    "bookings_mark_no_show",
    "class_check_in",
    "class_policy_save",
    "class_session_cancel",
    "class_session_create",
    "class_session_update",
    "class_type_create",
    "class_type_delete",
    "class_type_update",
    "feed_token_create",
    "feed_token_revoke",
    "schedule_rule_create",
    "schedule_rule_delete",
    "schedule_rule_update",
    "sessions_generate",
]
