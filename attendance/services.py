"""Check-ins and check-outs.

`attendance_check_in` is THE place that decides whether a member may enter now. The
front desk (HTTP), staff entering a past visit and, later, the fingerprint terminals all
call it; it knows nothing about HTTP. It returns a `CheckInDecision` instead of raising,
so a refusal is committed as a denied row (the front desk and the owner see who was turned
away) before the caller answers with the error (`decision.error()`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.roles import role_can
from gymsite.core import dates, localtime, metrics
from gymsite.core.changes import apply_changes, check_editable
from gymsite.core.errors import DomainError, Invalid, NotAllowed, NotFound
from members.models import Member, MemberStatus
from members.services import member_lock

from .models import Attendance, AttendanceResult, AttendanceSource, DenialReason

# A device or a workstation whose clock runs a little ahead must not be refused.
CLOCK_SKEW = timedelta(minutes=5)

DENIALS: dict[str, tuple[Any, type[DomainError]]] = {
    DenialReason.MEMBER_INACTIVE: (_("This member is inactive."), NotAllowed),
    DenialReason.NO_MEMBERSHIP: (_("This member has no membership."), NotAllowed),
    DenialReason.MEMBERSHIP_PAUSED: (_("This member's membership is paused."), NotAllowed),
    DenialReason.MEMBERSHIP_EXPIRED: (_("This member's membership has expired."), NotAllowed),
    DenialReason.ALREADY_CHECKED_IN: (_("This member has already checked in today."), Invalid),
}


def denial_error(reason: str, *, attendance_id: int | None = None) -> DomainError:
    """The API error for a refused check-in: 403 for the membership rules, 400 for a
    second visit the same day."""
    message, error_class = DENIALS[reason]
    extra = {"attendance_id": attendance_id} if attendance_id is not None else None
    return error_class(message, reason, extra=extra)


@dataclass(frozen=True)
class CheckInDecision:
    granted: bool
    reason: str  # a DenialReason value; "" when granted
    member: Member
    # The granted visit or the recorded refusal; None for a refused staff entry, which
    # records nothing (nobody was turned away at the door).
    attendance: Attendance | None

    def error(self) -> DomainError:
        if self.granted:
            raise ValueError("a granted check-in has no error")
        return denial_error(self.reason, attendance_id=self.attendance.pk if self.attendance else None)


# What each membership status on the day means at the door (seed 002). The status is the
# member's one rule (`Member.status_on`, twin of the SQL `member_status_q`).
REFUSAL_BY_STATUS: dict[str, str | None] = {
    MemberStatus.ACTIVE: None,
    MemberStatus.PENDING: DenialReason.NO_MEMBERSHIP,
    MemberStatus.PAUSED: DenialReason.MEMBERSHIP_PAUSED,
    MemberStatus.EXPIRED: DenialReason.MEMBERSHIP_EXPIRED,
}


def check_in_refusal(member: Member, day: date) -> str | None:
    """Seed 002's membership rules for `day` (gym-local), in their order; None to let in.
    An inactive member is refused as inactive whatever their membership; otherwise the
    member's status on the day decides, except that a pause running past the end of the
    period is refused as paused, not expired."""
    if not member.is_active:
        return DenialReason.MEMBER_INACTIVE
    status = member.status_on(day)
    if status == MemberStatus.EXPIRED and member.paused_on(day):
        return DenialReason.MEMBERSHIP_PAUSED
    return REFUSAL_BY_STATUS[status]


def _check_time(value: datetime, field: str, now: datetime, *, staff_given: bool = False) -> None:
    """A check-in or check-out time: aware, within the window of gymsite/core/dates.py (so
    converting it to the gym's time zone cannot overflow, whoever calls), not in the future
    and, when staff give it after the fact, at most MAX_ENTRY_AGE_DAYS old."""
    if timezone.is_naive(value):
        raise Invalid(
            _("Give the time with its time zone offset."),
            "invalid",
            errors={field: [_("Give the time with its time zone offset.")]},
        )
    if not dates.datetime_in_window(value):
        raise dates.out_of_range(field, dates.datetime_window_message())
    if staff_given and value < now - timedelta(days=dates.MAX_ENTRY_AGE_DAYS):
        raise dates.out_of_range(
            field,
            _("Times more than %(days)d days old cannot be entered.") % {"days": dates.MAX_ENTRY_AGE_DAYS},
        )
    if value > now + CLOCK_SKEW:
        raise Invalid(
            _("The time cannot be in the future."),
            "time_in_future",
            errors={field: [_("The time cannot be in the future.")]},
        )


def _check_out_not_before_in(check_in_at: datetime, check_out_at: datetime | None) -> None:
    if check_out_at is not None and check_out_at < check_in_at:
        raise Invalid(
            _("The check-out time cannot be before the check-in."),
            "check_out_before_check_in",
            errors={"check_out_at": [_("The check-out time cannot be before the check-in.")]},
        )


def _lock_member(member_id: int, gym_id: int | None) -> Member:
    """The member row, locked, with its gym (one query). Every service that changes a
    member's visits locks the member first, so check-ins of one member run one after the
    other and each sees the rows of the one before. A member of another gym than `gym_id`
    is not found, as if it did not exist."""
    member = member_lock(member_id=member_id)
    if gym_id is not None and member.gym_id != gym_id:
        raise NotFound(_("Member not found."), "member_not_found")
    return member


def _has_visit_on(member_id: int, local_date: date, *, exclude_pk: int | None = None) -> bool:
    queryset = Attendance.objects.filter(
        member_id=member_id, local_date=local_date, result=AttendanceResult.GRANTED
    )
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.exists()


def _refresh_last_visit(member_id: int) -> None:
    """After a visit is moved or deleted: the member's last visit is their latest granted
    check-in again (or none)."""
    latest = (
        Attendance.objects.filter(member_id=OuterRef("pk"), result=AttendanceResult.GRANTED)
        .order_by("-check_in_at")
        .values("check_in_at")[:1]
    )
    Member.objects.filter(pk=member_id).update(last_visit_at=Subquery(latest))


def attendance_check_in(
    *,
    actor: Actor,
    source: str,
    member_id: int | None = None,
    member: Member | None = None,
    gym_id: int | None = None,
    at: datetime | None = None,
    check_out_at: datetime | None = None,
    device_label: str = "",
    device_id: int | None = None,
    notes: str = "",
    record_denial: bool | None = None,
) -> CheckInDecision:
    """Decide whether the member may enter at `at` (default now) and record the outcome.

    `gym_id`, when given, is the only gym the caller may act in (a member of another gym
    is not found). Granted: the visit and the member's `last_visit_at` are written in one
    transaction. Refused: a denied row with its reason is committed (unless
    `record_denial` is false; by default a staff entry records no refusal) and the
    decision says why. `device_id`: the fingerprint terminal asking (source device); a
    member who already has today's visit is refused `already_checked_in` there too, but
    without a denied row: the door lets them back in (re-entry) and records nothing new. At most one granted visit per member and gym-local day: the member
    row lock orders concurrent check-ins, and the unique constraint backs it up.
    """
    if (member_id is None) == (member is None):
        raise TypeError("pass exactly one of member_id and member")
    if source not in AttendanceSource.values:
        raise ValueError(f"unknown source {source!r}")
    member_pk = member.pk if member is not None else member_id
    now = timezone.now()
    staff_entry = source == AttendanceSource.STAFF_ENTRY
    at = at or now
    _check_time(at, "check_in_at", now, staff_given=staff_entry)
    if check_out_at is not None:
        _check_time(check_out_at, "check_out_at", now, staff_given=staff_entry)
        _check_out_not_before_in(at, check_out_at)
    if record_denial is None:
        record_denial = not staff_entry
    entry = {
        "actor": actor,
        "source": source,
        "at": at,
        "device_label": device_label,
        "device_id": device_id,
        "notes": notes,
        "record_denial": record_denial,
    }
    try:
        with transaction.atomic():
            locked = _lock_member(member_pk, gym_id)
            local_date = localtime.local_date(at, locked.gym.tz)
            reason = check_in_refusal(locked, local_date)
            if reason is None and _has_visit_on(member_pk, local_date):
                reason = DenialReason.ALREADY_CHECKED_IN
            if reason is not None:
                return _deny(member=locked, reason=reason, local_date=local_date, **entry)
            return _grant(member=locked, local_date=local_date, check_out_at=check_out_at, **entry)
    except IntegrityError as exc:
        # A concurrent writer that did not take the member lock got the day's visit in
        # first; the constraint refused ours. Record it as the refusal it is.
        with transaction.atomic():
            locked = _lock_member(member_pk, gym_id)
            local_date = localtime.local_date(at, locked.gym.tz)
            if not _has_visit_on(member_pk, local_date):
                raise exc
            return _deny(
                member=locked, reason=DenialReason.ALREADY_CHECKED_IN, local_date=local_date, **entry
            )


def _count_decision(*, granted: bool, reason: str, source: str) -> None:
    """The check-in metrics (granted, denied by reason), once the decision is committed."""
    transaction.on_commit(lambda: metrics.observe_checkin(granted=granted, reason=str(reason), source=str(source)))


def _grant(
    *,
    member: Member,
    local_date: date,
    actor: Actor,
    source: str,
    at: datetime,
    check_out_at: datetime | None,
    device_label: str,
    device_id: int | None,
    notes: str,
    record_denial: bool,
) -> CheckInDecision:
    attendance = Attendance.objects.create(
        member=member,
        gym=member.gym,
        check_in_at=at,
        check_out_at=check_out_at,
        local_date=local_date,
        result=AttendanceResult.GRANTED,
        source=source,
        recorded_by=actor.user,
        device_label=device_label,
        device_id=device_id,
        notes=notes,
    )
    # A visit entered after the fact must not move the last visit backwards.
    if member.last_visit_at is None or at > member.last_visit_at:
        Member.objects.filter(pk=member.pk).update(last_visit_at=at)
        member.last_visit_at = at
    audit_record(
        actor=actor,
        action="attendance.recorded" if source == AttendanceSource.STAFF_ENTRY else "attendance.checked_in",
        target=attendance,
        gym=member.gym_id,
        data={"member_id": member.pk, "source": source, "check_in_at": at.isoformat()},
    )
    _count_decision(granted=True, reason="", source=source)
    return CheckInDecision(granted=True, reason="", member=member, attendance=attendance)


def _deny(
    *,
    member: Member,
    reason: str,
    local_date: date,
    actor: Actor,
    source: str,
    at: datetime,
    device_label: str,
    device_id: int | None,
    notes: str,
    record_denial: bool,
) -> CheckInDecision:
    reentry = reason == DenialReason.ALREADY_CHECKED_IN and source == AttendanceSource.DEVICE
    _count_decision(granted=False, reason=reason, source=source)
    if not record_denial or reentry:
        return CheckInDecision(granted=False, reason=reason, member=member, attendance=None)
    attendance = Attendance.objects.create(
        member=member,
        gym=member.gym,
        check_in_at=at,
        local_date=local_date,
        result=AttendanceResult.DENIED,
        reason=reason,
        source=source,
        recorded_by=actor.user,
        device_label=device_label,
        device_id=device_id,
        notes=notes,
    )
    audit_record(
        actor=actor,
        action="attendance.denied",
        target=attendance,
        gym=member.gym_id,
        data={"member_id": member.pk, "source": source, "reason": reason},
    )
    return CheckInDecision(granted=False, reason=reason, member=member, attendance=attendance)


def _lock_attendance(attendance_id: int) -> Attendance:
    row = (
        Attendance.objects.select_related("gym", "member")
        .select_for_update(of=("self",))
        .filter(pk=attendance_id)
        .first()
    )
    if row is None:  # deleted meanwhile
        raise NotFound(_("Not found."), "not_found")
    return row


@transaction.atomic
def attendance_check_out(
    *, attendance: Attendance, actor: Actor, at: datetime | None = None
) -> Attendance:
    """Close a visit at `at` (default now). The caller has already checked the actor may
    see the row. The front desk closes visits as they happen; only those who may edit
    attendance (trainers, admins) back-date a check-out."""
    if at is not None and actor.user is not None and not role_can(actor.user.role, "attendance.edit"):
        raise NotAllowed(_("Only trainers and admins may give the check-out time."), "permission_denied")
    now = timezone.now()
    staff_given = at is not None
    at = at or now
    _check_time(at, "check_out_at", now, staff_given=staff_given)
    row = _lock_attendance(attendance.pk)
    if not row.is_granted:
        raise Invalid(_("A refused check-in cannot be checked out."), "not_checked_in")
    if row.check_out_at is not None:
        raise Invalid(_("This member has already checked out."), "already_checked_out")
    _check_out_not_before_in(row.check_in_at, at)
    row.check_out_at = at
    row.save(update_fields=["check_out_at", "updated_at"])
    audit_record(
        actor=actor,
        action="attendance.checked_out",
        target=row,
        data={"member_id": row.member_id, "check_out_at": at.isoformat()},
    )
    return row


EDITABLE_FIELDS = ("check_in_at", "check_out_at", "notes")


@transaction.atomic
def attendance_update(*, actor: Actor, attendance: Attendance, changes: dict[str, Any]) -> Attendance:
    """Correct a visit's times or notes (EDITABLE_FIELDS; any other key is a 400
    `field_not_editable`). `local_date` follows `check_in_at`. A granted visit moved to
    another day must pass the check-in's rules on that day: the membership rules (403, as
    a staff entry for that day would be refused) and one visit a day (400)."""
    check_editable(changes, EDITABLE_FIELDS)
    now = timezone.now()
    # Lock order as in check-in: the member, then the row.
    member = _lock_member(attendance.member_id, None)
    row = _lock_attendance(attendance.pk)
    check_in_at = changes.get("check_in_at", row.check_in_at)
    check_out_at = changes.get("check_out_at", row.check_out_at)
    # A time sent unchanged (a PUT of an old visit's notes) is not entered anew.
    if "check_in_at" in changes and check_in_at != row.check_in_at:
        _check_time(check_in_at, "check_in_at", now, staff_given=True)
    if "check_out_at" in changes and check_out_at is not None and check_out_at != row.check_out_at:
        _check_time(check_out_at, "check_out_at", now, staff_given=True)
    _check_out_not_before_in(check_in_at, check_out_at)
    local_date = localtime.local_date(check_in_at, row.gym.tz)
    if row.is_granted and local_date != row.local_date:
        reason = check_in_refusal(member, local_date)
        if reason is None and _has_visit_on(row.member_id, local_date, exclude_pk=row.pk):
            reason = DenialReason.ALREADY_CHECKED_IN
        if reason is not None:
            raise denial_error(reason)

    changed = apply_changes(row, {**changes, "local_date": local_date})
    if not changed:
        return row
    try:
        with transaction.atomic():
            row.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        raise denial_error(DenialReason.ALREADY_CHECKED_IN)
    if row.is_granted and "check_in_at" in changed:
        _refresh_last_visit(row.member_id)
    audit_record(
        actor=actor,
        action="attendance.changed",
        target=row,
        data={"member_id": row.member_id, "changes": changed},
    )
    return row


@transaction.atomic
def attendance_delete(*, attendance: Attendance, actor: Actor) -> None:
    _lock_member(attendance.member_id, None)
    row = _lock_attendance(attendance.pk)
    audit_record(
        actor=actor,
        action="attendance.deleted",
        target=row,
        data={
            "member_id": row.member_id,
            "result": row.result,
            "reason": row.reason,
            "source": row.source,
            "check_in_at": row.check_in_at.isoformat(),
        },
    )
    row.delete()
    if row.is_granted:
        _refresh_last_visit(row.member_id)

