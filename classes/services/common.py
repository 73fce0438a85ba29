"""What the schedule and the bookings services share: the session's row lock, the
waitlist's numbering, promotion, and the emails enqueued after the commit."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from gymsite.core.errors import NotFound

from ..models import TAKING_A_PLACE, Booking, BookingStatus, ClassSession


def session_lock(session_id: int) -> ClassSession:
    """The session's row, locked FOR UPDATE, with its gym and class type. Every change of
    a session's places or waitlist holds it, so two bookings for the last place, or two
    cancellations each freeing one, run one after the other."""
    session = (
        ClassSession.objects.select_for_update(of=("self",))
        .select_related("gym", "class_type")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise NotFound(_("Class session not found."), "session_not_found")
    return session


def places_taken(session_id: int) -> int:
    return Booking.objects.filter(session_id=session_id, status__in=TAKING_A_PLACE).count()


def waitlist_close_gap(session_id: int, position: int) -> None:
    """Positions after `position` move up by one (1, 2, 3… without gaps). Two statements:
    negated first, then back, so the unique (session, position) holds after each."""
    behind = Booking.objects.filter(
        session_id=session_id, status=BookingStatus.WAITLISTED, waitlist_position__gt=position
    )
    behind.update(waitlist_position=-(F("waitlist_position") - 1))
    Booking.objects.filter(
        session_id=session_id, status=BookingStatus.WAITLISTED, waitlist_position__lt=0
    ).update(waitlist_position=-F("waitlist_position"))


def promote_waitlisted(session: ClassSession, now: datetime) -> list[int]:
    """Fill the free places of the locked `session` from the head of its waitlist, in
    order; the ids of the bookings promoted (their members are emailed after the commit)."""
    free = session.capacity - places_taken(session.pk)
    if free <= 0:
        return []
    head = list(
        Booking.objects.filter(session_id=session.pk, status=BookingStatus.WAITLISTED)
        .order_by("waitlist_position")
        .values_list("pk", flat=True)[:free]
    )
    if not head:
        return []
    Booking.objects.filter(pk__in=head).update(
        status=BookingStatus.BOOKED, waitlist_position=None, promoted_at=now, updated_at=now
    )
    # Those left move up by the number promoted: negate, then shift back.
    rest = Booking.objects.filter(session_id=session.pk, status=BookingStatus.WAITLISTED)
    rest.update(waitlist_position=-(F("waitlist_position") - len(head)))
    Booking.objects.filter(
        session_id=session.pk, status=BookingStatus.WAITLISTED, waitlist_position__lt=0
    ).update(waitlist_position=-F("waitlist_position"))
    notify_after_commit("promoted", booking_ids=head)
    return head


def notify_after_commit(kind: str, *, booking_ids: list[int], **extra) -> None:
    """Enqueue the email task of `kind` once the transaction commits (never for a change
    that rolls back)."""
    if not booking_ids:
        return
    from .. import tasks

    task = {
        "promoted": tasks.send_promoted,
        "session_cancelled": tasks.send_session_cancelled,
        "session_moved": tasks.send_session_moved,
    }[kind]
    ids = list(booking_ids)
    transaction.on_commit(lambda: task.delay(ids, **extra))
