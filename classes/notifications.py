"""The emails to members about their classes, in the gym's language, one message per
member (no member sees another's address), through `gymsite.core.mail`.

- promoted: a place came free and the member moved from the waitlist into the class;
- session_cancelled: the gym cancelled a session the member was booked or waitlisted for;
- session_moved: a session the member holds moved to another time.

A notice reflects the booking as it is when the task runs: a member promoted and then
cancelled before the mail goes out is not told they have a place.
"""

from __future__ import annotations

import logging
from smtplib import SMTPRecipientsRefused

from django.utils import translation
from django.utils.translation import gettext as _

from gymsite.core.mail import send_templated_mail

from .models import Booking, BookingStatus

logger = logging.getLogger(__name__)

# kind → (template, statuses the booking must still have for the notice to make sense)
NOTICES = {
    "promoted": ("classes/email/promoted", (BookingStatus.BOOKED,)),
    "session_cancelled": ("classes/email/session_cancelled", (BookingStatus.CANCELLED_BY_GYM,)),
    "session_moved": ("classes/email/session_moved", (BookingStatus.BOOKED, BookingStatus.WAITLISTED)),
}


def _subject(kind: str, booking: Booking) -> str:
    values = {"class": booking.session.class_type.name, "gym": booking.session.gym.name}
    if kind == "promoted":
        return _("You have a place in %(class)s at %(gym)s") % values
    if kind == "session_cancelled":
        return _("Cancelled: %(class)s at %(gym)s") % values
    return _("New time: %(class)s at %(gym)s") % values


def notice_send(*, kind: str, booking_ids: list[int]) -> int:
    """Email each booking's member who has an address; returns the number sent."""
    template, statuses = NOTICES[kind]
    bookings = (
        Booking.objects.select_related("member", "session__gym", "session__class_type")
        .filter(pk__in=booking_ids, status__in=statuses)
        .exclude(member__email="")
        .order_by("pk")
    )
    sent = 0
    for booking in bookings:
        session = booking.session
        gym = session.gym
        language = gym.member_language
        with translation.override(language):
            # Naive gym-local times: the template's date filter would otherwise convert
            # them to the server's time zone.
            context = {
                "member": booking.member,
                "gym": gym,
                "session": session,
                "class_name": session.class_type.name,
                "starts": session.starts_at.astimezone(gym.tz).replace(tzinfo=None),
                "ends": session.ends_at.astimezone(gym.tz).replace(tzinfo=None),
                "booking": booking,
            }
            subject = _subject(kind, booking)
        try:
            sent += send_templated_mail(
                template=template, subject=subject, context=context, to=[booking.member.email], language=language
            )
        except SMTPRecipientsRefused:
            # This address is refused (retrying will not change that); the others still
            # get theirs. An unreachable server raises and the task is retried.
            logger.warning("class notice %s refused for booking %s", kind, booking.pk)
    return sent
