"""Bookings: the rules of booking (each refused with its own code), capacity and the
waitlist, cancelling (on time or late), class check-in and no-shows.

Whether a member is covered on a day is attendance's decision (`check_in_refusal`, seed
002's rules), not a copy of it: the door, the front desk and the class agree. A class
check-in records the day's visit through `attendance_check_in` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendance.models import Attendance, AttendanceResult, AttendanceSource
from attendance.services import CheckInDecision, attendance_check_in, check_in_refusal, denial_error
from gymsite.accounts.audit import Actor, audit_record
from gymsite.core.errors import Conflict, NotAllowed, NotFound
from gymsite.core.localtime import local_date, local_midnight
from members.models import Member
from members.services import member_lock

from ..models import HOLDING, Booking, BookingStatus, ClassSession, SessionStatus
from ..policy import NO_SHOW_WINDOW, Policy, policy_for
from .common import places_taken, promote_waitlisted, session_lock, waitlist_close_gap

# The front desk checks members in for a class from this long before it starts.
CHECK_IN_OPENS_BEFORE = timedelta(minutes=60)


def _data(booking: Booking) -> dict:
    return {
        "session_id": booking.session_id,
        "member_id": booking.member_id,
        "status": booking.status,
        "waitlist_position": booking.waitlist_position,
    }


def _lock_member_of(session: ClassSession, member_id: int) -> Member:
    member = member_lock(member_id=member_id)
    if member.gym_id != session.gym_id:
        raise NotFound(_("Member not found."), "member_not_found")
    return member


def _check_window(session: ClassSession, policy: Policy, now: datetime) -> None:
    if now >= session.starts_at:
        raise Conflict(_("Booking for this session has closed: it has started."), "booking_closed")
    opens_at = session.starts_at - policy.booking_window
    if now < opens_at:
        raise Conflict(
            _("Booking for this session opens %(days)d days before it starts.") % {"days": policy.booking_window_days},
            "booking_not_open",
            extra={"opens_at": opens_at.isoformat()},
        )


def no_show_block_until(member_id: int, policy: Policy, now: datetime) -> datetime | None:
    """When the no-show policy is on (K = `no_show_limit`): the end of the block that K
    no-shows within 30 days started (N = `no_show_block_days` after the K-th), if it has
    not ended by `now`; None otherwise."""
    if policy.no_show_limit is None:
        return None
    block = timedelta(days=policy.no_show_block_days)
    starts = list(
        Booking.objects.filter(
            member_id=member_id,
            status=BookingStatus.NO_SHOW,
            session__starts_at__gte=now - NO_SHOW_WINDOW - block,
            session__starts_at__lte=now,
        )
        .order_by("session__starts_at")
        .values_list("session__starts_at", flat=True)
    )
    k = policy.no_show_limit
    until = None
    for index in range(k - 1, len(starts)):
        if starts[index] - starts[index - k + 1] <= NO_SHOW_WINDOW:
            until = starts[index] + block
    return until if until is not None and until > now else None


def _check_no_overlap(session: ClassSession, member_id: int) -> None:
    clash = (
        Booking.objects.filter(
            member_id=member_id,
            status__in=(BookingStatus.BOOKED, BookingStatus.WAITLISTED),
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__lt=session.ends_at,
            session__ends_at__gt=session.starts_at,
        )
        .exclude(session_id=session.pk)
        .select_related("session__class_type")
        .first()
    )
    if clash is not None:
        raise Conflict(
            _("This member already has a class at that time: %(class)s.") % {"class": clash.session.class_type.name},
            "overlapping_booking",
            extra={"session_id": clash.session_id, "booking_id": clash.pk},
        )


@transaction.atomic
def booking_create(*, actor: Actor, session: ClassSession, member: Member, now: datetime | None = None) -> Booking:
    """Book `member` into `session`: booked while places are left, else waitlisted at the
    next position. Refused, each with its own code and nothing written:

    - 409 session_cancelled; 409 booking_closed once the session has started; 409
      booking_not_open before the window (policy, default 7 days) opens;
    - 403 member_inactive, no_membership, membership_paused, membership_expired: the
      member is not covered on the session's gym-local day (the door's rule);
    - 403 no_show_blocked: the no-show policy (off by default) blocks the member;
    - 409 already_booked: one booking per member and session;
    - 409 overlapping_booking: the member holds another session at an overlapping time.

    The member's row lock orders one member's bookings (the overlap check sees the one
    before); the session's row lock orders the places and the waitlist."""
    now = now or timezone.now()
    member = _lock_member_of(session, member.pk)
    session = session_lock(session.pk)
    if session.is_cancelled:
        raise Conflict(_("This session was cancelled."), "session_cancelled")
    policy = policy_for(session.gym_id)
    _check_window(session, policy, now)
    refusal = check_in_refusal(member, session.local_date)
    if refusal is not None:
        raise denial_error(refusal)
    blocked_until = no_show_block_until(member.pk, policy, now)
    if blocked_until is not None:
        raise NotAllowed(
            _("This member missed too many classes: booking is blocked until %(date)s.")
            % {"date": timezone.localtime(blocked_until, session.gym.tz).strftime("%Y-%m-%d %H:%M")},
            "no_show_blocked",
            extra={"blocked_until": blocked_until.isoformat()},
        )
    existing = Booking.objects.filter(session_id=session.pk, member_id=member.pk, status__in=HOLDING).first()
    if existing is not None:
        raise Conflict(
            _("This member already has a booking for this session."),
            "already_booked",
            extra={"booking_id": existing.pk},
        )
    _check_no_overlap(session, member.pk)
    booking = Booking(
        session=session,
        member=member,
        created_by=actor.user,
        created_by_token=actor.token,
    )
    if places_taken(session.pk) < session.capacity:
        booking.status = BookingStatus.BOOKED
    else:
        last = Booking.objects.filter(session_id=session.pk, status=BookingStatus.WAITLISTED).aggregate(
            last=Max("waitlist_position")
        )["last"]
        booking.status = BookingStatus.WAITLISTED
        booking.waitlist_position = (last or 0) + 1
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError:  # a writer that skipped the locks; the constraints decide
        raise Conflict(_("This member already has a booking for this session."), "already_booked") from None
    audit_record(
        actor=actor,
        action="booking.created" if booking.status == BookingStatus.BOOKED else "booking.waitlisted",
        target=booking,
        gym=session.gym_id,
        data=_data(booking),
    )
    return booking


@transaction.atomic
def booking_cancel(*, actor: Actor, booking: Booking, reason: str = "", now: datetime | None = None) -> Booking:
    """Cancel a booked or waitlisted booking before the session starts. A booked place
    given up before the cutoff (policy, default 2 hours before the start) is `cancelled`,
    after it `late_cancelled`; a waitlisted one is always `cancelled` and those behind it
    move up. A freed place goes to the first on the waitlist in this same transaction (they
    are emailed after the commit). 409 not_cancellable for any other status, 409
    session_started once the session has begun."""
    now = now or timezone.now()
    session = session_lock(booking.session_id)
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status not in (BookingStatus.BOOKED, BookingStatus.WAITLISTED):
        raise Conflict(
            _("This booking is %(status)s: it cannot be cancelled.") % {"status": booking.get_status_display()},
            "not_cancellable",
        )
    if now >= session.starts_at:
        raise Conflict(_("This session has started: the booking can no longer be cancelled."), "session_started")
    before = _data(booking)
    position = booking.waitlist_position
    if booking.status == BookingStatus.WAITLISTED:
        booking.status = BookingStatus.CANCELLED
    else:
        cutoff = session.starts_at - policy_for(session.gym_id).cancel_cutoff
        booking.status = BookingStatus.CANCELLED if now < cutoff else BookingStatus.LATE_CANCELLED
    booking.waitlist_position = None
    booking.cancelled_at = now
    booking.cancel_reason = (reason or "").strip()[:255]
    booking.save(update_fields=["status", "waitlist_position", "cancelled_at", "cancel_reason", "updated_at"])
    if position is not None:
        waitlist_close_gap(session.pk, position)
    promoted = promote_waitlisted(session, now) if session.status == SessionStatus.SCHEDULED else []
    audit_record(
        actor=actor,
        action="booking.late_cancelled" if booking.status == BookingStatus.LATE_CANCELLED else "booking.cancelled",
        target=booking,
        gym=session.gym_id,
        data={**_data(booking), "was": before["status"], "reason": booking.cancel_reason, "promoted": promoted},
    )
    if promoted:
        for promoted_id in promoted:
            audit_record(
                actor=actor,
                action="booking.promoted",
                target=Booking(pk=promoted_id),
                gym=session.gym_id,
                data={"session_id": session.pk, "freed_by": booking.pk},
            )
    return booking


@dataclass(frozen=True)
class ClassCheckIn:
    booking: Booking | None  # None when the visit was refused
    # attendance's decision for the day's visit; None when the member had come in through
    # the door already today (that visit is the booking's).
    decision: CheckInDecision | None
    walk_in: bool


@transaction.atomic
def class_check_in(*, actor: Actor, session: ClassSession, member: Member, now: datetime | None = None) -> ClassCheckIn:
    """Mark the member's booking attended and record the day's visit through attendance's
    `attendance_check_in` (one decision for the door, the desk and the class). A member
    who already came in through the door today is attended with that visit (no second
    one). A refused
    visit (membership) is returned undecided: attendance has committed its denied row and
    the caller answers `decision.error()`; nothing of the class changes.

    A member without a booking (or waitlisted) joins as a walk-in when a place is free,
    else 409 session_full. 409 session_cancelled, check_in_not_open (from an hour before
    the start to the end of the session's day), already_attended."""
    now = now or timezone.now()
    member = _lock_member_of(session, member.pk)
    session = session_lock(session.pk)
    if session.is_cancelled:
        raise Conflict(_("This session was cancelled."), "session_cancelled")
    closes_at = local_midnight(session.local_date + timedelta(days=1), session.gym.tz)
    if not session.starts_at - CHECK_IN_OPENS_BEFORE <= now < closes_at:
        raise Conflict(
            _("Check-in for this class opens an hour before it starts and closes at the end of its day."),
            "check_in_not_open",
        )
    booking = (
        Booking.objects.select_for_update()
        .filter(session_id=session.pk, member_id=member.pk, status__in=HOLDING)
        .first()
    )
    if booking is not None and booking.status == BookingStatus.ATTENDED:
        raise Conflict(_("This member is already checked in for this class."), "already_attended")
    walk_in = booking is None or booking.status == BookingStatus.WAITLISTED
    if walk_in and places_taken(session.pk) >= session.capacity:
        raise Conflict(_("This class is full."), "session_full")

    # A member who came in through the door today already has the day's visit (the
    # door's decision stands): attend with it, rather than record a refused second visit.
    visit = Attendance.objects.filter(
        member_id=member.pk, local_date=local_date(now, session.gym.tz), result=AttendanceResult.GRANTED
    ).first()
    decision = None
    if visit is None:
        decision = attendance_check_in(
            actor=actor,
            source=AttendanceSource.FRONT_DESK,
            member=member,
            gym_id=session.gym_id,
            at=now,
            notes=str(_("Class: %(class)s") % {"class": session.class_type.name})[:255],
        )
        if not decision.granted:
            return ClassCheckIn(booking=None, decision=decision, walk_in=walk_in)
        visit = decision.attendance
    position = booking.waitlist_position if booking is not None else None
    if booking is None:
        booking = Booking(session=session, member=member, created_by=actor.user, created_by_token=actor.token)
    booking.status = BookingStatus.ATTENDED
    booking.waitlist_position = None
    booking.attended_at = now
    booking.attendance = visit
    booking.save()
    if position is not None:
        waitlist_close_gap(session.pk, position)
    audit_record(
        actor=actor,
        action="booking.attended",
        target=booking,
        gym=session.gym_id,
        data={**_data(booking), "walk_in": walk_in, "attendance_id": visit.pk if visit else None},
    )
    return ClassCheckIn(booking=booking, decision=decision, walk_in=walk_in)


def bookings_mark_no_show(*, now: datetime | None = None) -> int:
    """Bookings still `booked` when their session has ended become `no_show` (a session
    cancelled has none). Idempotent; one transaction and one audit row per session."""
    now = now or timezone.now()
    session_ids = list(
        ClassSession.objects.filter(
            status=SessionStatus.SCHEDULED, ends_at__lte=now, bookings__status=BookingStatus.BOOKED
        )
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    marked = 0
    for session_id in session_ids:
        with transaction.atomic():
            session = session_lock(session_id)
            rows = Booking.objects.filter(session_id=session_id, status=BookingStatus.BOOKED)
            ids = list(rows.values_list("pk", flat=True))
            rows.update(status=BookingStatus.NO_SHOW, updated_at=now)
            if ids:
                audit_record(
                    actor=Actor.system(),
                    action="booking.no_show",
                    target=session,
                    gym=session.gym_id,
                    data={"bookings": ids},
                )
            marked += len(ids)
    return marked
