"""Class types, weekly rules, generating sessions from them, one-off sessions, and moving
or cancelling sessions (the members booked are emailed after the commit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.models import Gym, User
from gymsite.accounts.roles import Role
from gymsite.core import dates
from gymsite.core.changes import apply_changes, audit_value, check_editable
from gymsite.core.errors import Conflict, Invalid
from gymsite.core.localtime import local_today

from ..models import (
    CLASS_TYPE_EDITABLE_FIELDS,
    MAX_CAPACITY,
    MAX_DURATION_MINUTES,
    MOVING_RULE_FIELDS,
    RULE_EDITABLE_FIELDS,
    SESSION_EDITABLE_FIELDS,
    Booking,
    BookingStatus,
    ClassPolicy,
    ClassSession,
    ClassType,
    ScheduleRule,
    SessionStatus,
)
from ..policy import policies_for
from ..timing import local_start, wall_time, weekly_dates
from .common import notify_after_commit, promote_waitlisted, session_lock

# How far a rule's dates and a one-off session may lie from the gym's today.
MAX_SCHEDULE_AHEAD_DAYS = dates.MAX_ADVANCE_DAYS


def _invalid(field_name: str, message, code: str = "invalid") -> Invalid:
    return Invalid(message, code, errors={field_name: [message]})


def _check_instructor(instructor: User | None, gym_id: int) -> None:
    """An instructor is an active trainer of the session's gym."""
    if instructor is None:
        return
    if instructor.role != Role.TRAINER or instructor.gym_id != gym_id or not instructor.is_active:
        raise _invalid(
            "instructor", _("The instructor must be an active trainer of this gym."), "invalid_instructor"
        )


def _check_class_type(class_type: ClassType, gym_id: int) -> None:
    if class_type.gym_id != gym_id:
        raise _invalid("class_type", _("This class type belongs to another gym."), "does_not_exist")


def _check_duration(minutes: int, field_name: str = "duration_minutes") -> None:
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        raise _invalid(
            field_name, _("Give a duration between 1 and %(max)d minutes.") % {"max": MAX_DURATION_MINUTES}
        )


def _check_capacity(capacity: int, field_name: str = "capacity") -> None:
    if not 0 <= capacity <= MAX_CAPACITY:
        raise _invalid(field_name, _("Give a capacity between 0 and %(max)d.") % {"max": MAX_CAPACITY})


# --- Class types --------------------------------------------------------------------------


def _class_type_data(class_type: ClassType) -> dict:
    return {name: audit_value(getattr(class_type, name)) for name in CLASS_TYPE_EDITABLE_FIELDS}


def _class_type_save(class_type: ClassType) -> None:
    if not class_type.name or not class_type.name.strip():
        raise _invalid("name", _("This field may not be blank."))
    class_type.name = class_type.name.strip()
    _check_duration(class_type.default_duration_minutes, "default_duration_minutes")
    _check_capacity(class_type.default_capacity, "default_capacity")
    taken = ClassType.objects.filter(gym_id=class_type.gym_id, name__iexact=class_type.name).exclude(pk=class_type.pk)
    if taken.exists():
        raise _invalid("name", _("This gym already has a class type with this name."), "class_type_name_taken")
    try:
        with transaction.atomic():
            class_type.save()
    except IntegrityError:
        # Two admins creating the same name at once: the unique index decides.
        raise _invalid("name", _("This gym already has a class type with this name."), "class_type_name_taken") from None


@transaction.atomic
def class_type_create(
    *,
    actor: Actor,
    gym: Gym,
    name: str,
    description: str = "",
    default_duration_minutes: int = 60,
    default_capacity: int = 20,
    colour: str = "#3366cc",
    is_active: bool = True,
) -> ClassType:
    class_type = ClassType(
        gym=gym,
        name=name,
        description=description,
        default_duration_minutes=default_duration_minutes,
        default_capacity=default_capacity,
        colour=colour,
        is_active=is_active,
    )
    _class_type_save(class_type)
    audit_record(actor=actor, action="class_type.created", target=class_type, gym=gym, data=_class_type_data(class_type))
    return class_type


@transaction.atomic
def class_type_update(*, actor: Actor, class_type: ClassType, changes: dict[str, Any]) -> ClassType:
    """Change a class type. Deactivating one stops generating its sessions; those already
    generated stay (cancel them one by one, or end the rules)."""
    check_editable(changes, CLASS_TYPE_EDITABLE_FIELDS)
    class_type = ClassType.objects.select_for_update().get(pk=class_type.pk)
    changed = apply_changes(class_type, changes)
    if not changed:
        return class_type
    _class_type_save(class_type)
    audit_record(actor=actor, action="class_type.changed", target=class_type, gym=class_type.gym_id, data={"changes": changed})
    return class_type


@transaction.atomic
def class_type_delete(*, actor: Actor, class_type: ClassType) -> None:
    """Delete a class type that has no rule and no session (409 class_type_in_use:
    deactivate it instead, so its history stays)."""
    class_type = ClassType.objects.select_for_update().get(pk=class_type.pk)
    if ScheduleRule.objects.filter(class_type=class_type).exists() or ClassSession.objects.filter(
        class_type=class_type
    ).exists():
        raise Conflict(
            _("This class type has a schedule or sessions: deactivate it instead."), "class_type_in_use"
        )
    audit_record(actor=actor, action="class_type.deleted", target=class_type, gym=class_type.gym_id, data=_class_type_data(class_type))
    class_type.delete()


# --- Generating sessions ----------------------------------------------------------------


def _session_from_rule(rule: ScheduleRule, day: date) -> ClassSession:
    tz = rule.gym.tz
    starts_at = local_start(day, rule.start_time, tz)
    _day, wall = wall_time(starts_at, tz)
    return ClassSession(
        gym_id=rule.gym_id,
        class_type_id=rule.class_type_id,
        rule=rule,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=rule.duration_minutes),
        local_date=day,
        rule_date=day,
        local_start=wall,
        instructor_id=rule.instructor_id,
        room=rule.room,
        capacity=rule.capacity,
    )


def sessions_generate(
    *, actor: Actor | None = None, gym_id: int | None = None, rule_id: int | None = None, now: datetime | None = None
) -> int:
    """Create the sessions of the active rules (of active class types and gyms) from the
    gym's today to its policy's horizon (`weeks_ahead`, default 4), in the gym's time zone;
    returns how many it created. Idempotent and safe to run concurrently: a (rule, day)
    that has a session, even a cancelled one, is left alone, and the unique (rule,
    rule_date) drops a concurrent duplicate. Sessions already started are not made."""
    now = now or timezone.now()
    actor = actor or Actor.system()
    rules = ScheduleRule.objects.select_related("gym").filter(gym__is_active=True, class_type__is_active=True)
    if gym_id is not None:
        rules = rules.filter(gym_id=gym_id)
    if rule_id is not None:
        rules = rules.filter(pk=rule_id)
    rules = list(rules)
    if not rules:
        return 0
    policies = policies_for({rule.gym_id for rule in rules})
    wanted: list[ClassSession] = []
    for rule in rules:
        today = local_today(rule.gym.tz, now)
        first = max(today, rule.valid_from)
        last = today + timedelta(weeks=policies[rule.gym_id].weeks_ahead)
        if rule.valid_until is not None:
            last = min(last, rule.valid_until)
        for day in weekly_dates(rule.weekday, first, last):
            session = _session_from_rule(rule, day)
            if session.starts_at > now:
                wanted.append(session)
    if not wanted:
        return 0
    existing = set(
        ClassSession.objects.filter(
            rule_id__in={s.rule_id for s in wanted}, rule_date__gte=min(s.rule_date for s in wanted)
        ).values_list("rule_id", "rule_date")
    )
    missing = [s for s in wanted if (s.rule_id, s.rule_date) not in existing]
    if not missing:
        return 0
    with transaction.atomic():
        ClassSession.objects.bulk_create(missing, ignore_conflicts=True)
        per_gym: dict[int, int] = {}
        for session in missing:
            per_gym[session.gym_id] = per_gym.get(session.gym_id, 0) + 1
        for gym, count in per_gym.items():
            audit_record(
                actor=actor,
                action="class_session.generated",
                gym=gym,
                data={"count": count, "until": max(s.local_date for s in missing if s.gym_id == gym).isoformat()},
            )
    return len(missing)


# --- Rules ------------------------------------------------------------------------------


def _check_rule(rule: ScheduleRule, *, today: date) -> None:
    _check_class_type(rule.class_type, rule.gym_id)
    _check_instructor(rule.instructor, rule.gym_id)
    _check_duration(rule.duration_minutes)
    _check_capacity(rule.capacity)
    if not 0 <= rule.weekday <= 6:
        raise _invalid("weekday", _("Give a weekday from 0 (Monday) to 6 (Sunday)."))
    horizon = today + timedelta(days=MAX_SCHEDULE_AHEAD_DAYS)
    if not dates.date_in_window(rule.valid_from) or rule.valid_from > horizon:
        raise dates.out_of_range(
            "valid_from", _("A rule starts at most %(days)d days ahead.") % {"days": MAX_SCHEDULE_AHEAD_DAYS}
        )
    if rule.valid_until is not None:
        if not dates.date_in_window(rule.valid_until):
            raise dates.out_of_range("valid_until", dates.date_window_message())
        if rule.valid_until < rule.valid_from:
            raise _invalid("valid_until", _("valid_until cannot be before valid_from."), "invalid_range")


def _rule_data(rule: ScheduleRule) -> dict:
    return {name: audit_value(getattr(rule, name)) for name in RULE_EDITABLE_FIELDS}


@transaction.atomic
def schedule_rule_create(
    *,
    actor: Actor,
    gym: Gym,
    class_type: ClassType,
    weekday: int,
    start_time: time,
    duration_minutes: int | None = None,
    capacity: int | None = None,
    instructor: User | None = None,
    room: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    now: datetime | None = None,
) -> ScheduleRule:
    """A weekly slot; its sessions up to the horizon are generated at once. Duration and
    capacity default to the class type's."""
    now = now or timezone.now()
    today = local_today(gym.tz, now)
    rule = ScheduleRule(
        gym=gym,
        class_type=class_type,
        weekday=weekday,
        start_time=start_time.replace(tzinfo=None, second=0, microsecond=0),
        duration_minutes=duration_minutes if duration_minutes is not None else class_type.default_duration_minutes,
        capacity=capacity if capacity is not None else class_type.default_capacity,
        instructor=instructor,
        room=room,
        valid_from=valid_from or today,
        valid_until=valid_until,
    )
    _check_rule(rule, today=today)
    rule.save()
    audit_record(actor=actor, action="schedule_rule.created", target=rule, gym=gym, data=_rule_data(rule))
    sessions_generate(actor=actor, rule_id=rule.pk, now=now)
    return rule


@dataclass
class RuleUpdate:
    rule: ScheduleRule
    moved: list[int] = field(default_factory=list)  # session ids moved in time
    cancelled: list[int] = field(default_factory=list)  # session ids cancelled (out of the rule's dates)
    changed: list[int] = field(default_factory=list)  # session ids otherwise changed
    created: int = 0


def _holders(session_ids: list[int]) -> dict[int, int]:
    """Session id → number of members holding a booked or waitlisted place."""
    counts: dict[int, int] = {}
    for session_id in Booking.objects.filter(
        session_id__in=session_ids, status__in=(BookingStatus.BOOKED, BookingStatus.WAITLISTED)
    ).values_list("session_id", flat=True):
        counts[session_id] = counts.get(session_id, 0) + 1
    return counts


def _confirmation_required(sessions: list[ClassSession], holders: dict[int, int]) -> Conflict:
    affected = [s for s in sessions if holders.get(s.pk)]
    return Conflict(
        _("%(count)d sessions with bookings would move or be cancelled: repeat with confirm to go ahead.")
        % {"count": len(affected)},
        "confirmation_required",
        extra={
            "sessions": [
                {"id": s.pk, "starts_at": s.starts_at.isoformat(), "bookings": holders[s.pk]} for s in affected
            ]
        },
    )


@transaction.atomic
def schedule_rule_update(
    *, actor: Actor, rule: ScheduleRule, changes: dict[str, Any], confirm: bool = False, now: datetime | None = None
) -> RuleUpdate:
    """Change a rule. Its future sessions follow (those that started never change): a new
    weekday, start time or duration moves them, new dates cancel those outside, a new
    capacity, instructor or room is copied to them. A session with bookings is moved or
    cancelled only when `confirm` is true (else 409 confirmation_required, listing them,
    and nothing changes); its booked and waitlisted members are emailed after the commit.
    A session that would move to a time already past is cancelled instead. Then the
    sessions the rule now asks for are generated."""
    check_editable(changes, RULE_EDITABLE_FIELDS)
    now = now or timezone.now()
    rule = (
        ScheduleRule.objects.select_for_update(of=("self",))
        .select_related("gym", "class_type", "instructor")
        .get(pk=rule.pk)
    )
    old_weekday = rule.weekday
    changed = apply_changes(rule, changes)
    if "start_time" in changed:
        rule.start_time = rule.start_time.replace(tzinfo=None, second=0, microsecond=0)
    result = RuleUpdate(rule=rule)
    if not changed:
        return result
    _check_rule(rule, today=local_today(rule.gym.tz, now))
    rule.save()

    future = list(
        ClassSession.objects.select_for_update()
        .filter(rule=rule, status=SessionStatus.SCHEDULED, starts_at__gt=now)
        .order_by("starts_at")
    )
    moves = bool(set(changed) & set(MOVING_RULE_FIELDS))
    to_cancel: list[ClassSession] = []
    to_move: list[tuple[ClassSession, ClassSession]] = []  # (session, what it becomes)
    for session in future:
        day = session.rule_date + timedelta(days=rule.weekday - old_weekday)
        outside = day < rule.valid_from or (rule.valid_until is not None and day > rule.valid_until)
        target = _session_from_rule(rule, day)
        if outside or (moves and target.starts_at <= now):
            to_cancel.append(session)
        elif moves and (target.starts_at, target.ends_at) != (session.starts_at, session.ends_at):
            to_move.append((session, target))
    holders = _holders([s.pk for s in to_cancel] + [s.pk for s, _t in to_move])
    if holders and not confirm:
        raise _confirmation_required(to_cancel + [s for s, _t in to_move], holders)

    cancelled_ids = {s.pk for s in to_cancel}
    moving = dict((s.pk, t) for s, t in to_move)
    copied = [name for name in ("capacity", "instructor", "room", "class_type") if name in changed]
    for session in future:
        if session.pk in cancelled_ids:
            continue
        update_fields = []
        target = moving.get(session.pk)
        if target is not None:
            session.starts_at, session.ends_at = target.starts_at, target.ends_at
            session.local_date, session.local_start = target.local_date, target.local_start
            session.rule_date = target.rule_date
            update_fields += ["starts_at", "ends_at", "local_date", "local_start", "rule_date"]
        for name in copied:
            setattr(session, name, getattr(rule, name))
            update_fields.append(name)
        if update_fields:
            session.save(update_fields=[*update_fields, "updated_at"])
            (result.moved if target is not None else result.changed).append(session.pk)
            if "capacity" in copied:
                promote_waitlisted(session, now)
            if target is not None:
                _notify_moved(session)
    for session in to_cancel:
        _cancel(session, reason=str(_("The class was taken off the schedule.")), now=now)
        result.cancelled.append(session.pk)
    audit_record(
        actor=actor,
        action="schedule_rule.changed",
        target=rule,
        gym=rule.gym_id,
        data={"changes": changed, "moved": result.moved, "cancelled": result.cancelled, "confirmed": confirm},
    )
    result.created = sessions_generate(actor=actor, rule_id=rule.pk, now=now)
    return result


@transaction.atomic
def schedule_rule_delete(*, actor: Actor, rule: ScheduleRule, confirm: bool = False, now: datetime | None = None) -> list[int]:
    """Take a rule off the schedule: its future sessions are cancelled (those with bookings
    only with `confirm`, their members emailed); its past sessions stay, as one-off
    sessions. Returns the ids of the sessions cancelled."""
    now = now or timezone.now()
    rule = ScheduleRule.objects.select_for_update().get(pk=rule.pk)
    future = list(
        ClassSession.objects.select_for_update()
        .filter(rule=rule, status=SessionStatus.SCHEDULED, starts_at__gt=now)
        .order_by("starts_at")
    )
    holders = _holders([s.pk for s in future])
    if holders and not confirm:
        raise _confirmation_required(future, holders)
    for session in future:
        _cancel(session, reason=str(_("The class was taken off the schedule.")), now=now)
    audit_record(
        actor=actor,
        action="schedule_rule.deleted",
        target=rule,
        gym=rule.gym_id,
        data={**_rule_data(rule), "cancelled": [s.pk for s in future]},
    )
    rule.delete()
    return [s.pk for s in future]


# --- Sessions ---------------------------------------------------------------------------


def _check_starts_at(starts_at: datetime, now: datetime) -> None:
    if timezone.is_naive(starts_at):
        raise _invalid("starts_at", _("Give the time with its time zone offset."))
    if not dates.datetime_in_window(starts_at):
        raise dates.out_of_range("starts_at", dates.datetime_window_message())
    if starts_at <= now:
        raise _invalid("starts_at", _("A session cannot start in the past."), "starts_in_past")
    if starts_at > now + timedelta(days=MAX_SCHEDULE_AHEAD_DAYS):
        raise dates.out_of_range(
            "starts_at", _("A session starts at most %(days)d days ahead.") % {"days": MAX_SCHEDULE_AHEAD_DAYS}
        )


@transaction.atomic
def class_session_create(
    *,
    actor: Actor,
    gym: Gym,
    class_type: ClassType,
    starts_at: datetime,
    duration_minutes: int | None = None,
    capacity: int | None = None,
    instructor: User | None = None,
    room: str = "",
    now: datetime | None = None,
) -> ClassSession:
    """A one-off session (a workshop, an extra class): no rule."""
    now = now or timezone.now()
    _check_class_type(class_type, gym.pk)
    _check_instructor(instructor, gym.pk)
    _check_starts_at(starts_at, now)
    duration = duration_minutes if duration_minutes is not None else class_type.default_duration_minutes
    capacity = capacity if capacity is not None else class_type.default_capacity
    _check_duration(duration)
    _check_capacity(capacity)
    day, wall = wall_time(starts_at, gym.tz)
    session = ClassSession.objects.create(
        gym=gym,
        class_type=class_type,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=duration),
        local_date=day,
        local_start=wall,
        instructor=instructor,
        room=room,
        capacity=capacity,
    )
    audit_record(
        actor=actor,
        action="class_session.created",
        target=session,
        gym=gym,
        data={"class_type": class_type.pk, "starts_at": starts_at.isoformat(), "capacity": capacity},
    )
    return session


def _notify_moved(session: ClassSession) -> None:
    ids = list(
        Booking.objects.filter(
            session=session, status__in=(BookingStatus.BOOKED, BookingStatus.WAITLISTED)
        ).values_list("pk", flat=True)
    )
    notify_after_commit("session_moved", booking_ids=ids)


@transaction.atomic
def class_session_update(
    *,
    actor: Actor,
    session: ClassSession,
    changes: dict[str, Any],
    confirm: bool = False,
    now: datetime | None = None,
) -> ClassSession:
    """Change one session (its rule stays as it is). A session that started or was
    cancelled does not change (409). Moving one with bookings needs `confirm` (409
    confirmation_required) and emails its members; a higher capacity promotes from the
    waitlist, a lower one unbooks nobody (it only stops new bookings)."""
    check_editable(changes, SESSION_EDITABLE_FIELDS)
    now = now or timezone.now()
    session = session_lock(session.pk)
    if session.is_cancelled:
        raise Conflict(_("This session was cancelled."), "session_cancelled")
    if session.starts_at <= now:
        raise Conflict(_("This session has started: it can no longer change."), "session_started")
    values = dict(changes)
    duration = values.pop("duration_minutes", session.duration_minutes)
    starts_at = values.pop("starts_at", session.starts_at)
    _check_duration(duration)
    if starts_at != session.starts_at:
        _check_starts_at(starts_at, now)
    if "capacity" in values:
        _check_capacity(values["capacity"])
    if "instructor" in values:
        _check_instructor(values["instructor"], session.gym_id)
    day, wall = wall_time(starts_at, session.gym.tz)
    values.update(starts_at=starts_at, ends_at=starts_at + timedelta(minutes=duration), local_date=day, local_start=wall)
    changed = apply_changes(session, values)
    if not changed:
        return session
    moved = "starts_at" in changed or "ends_at" in changed
    holders = _holders([session.pk])
    if moved and holders and not confirm:
        raise _confirmation_required([session], holders)
    session.save()
    if "capacity" in changed:
        promote_waitlisted(session, now)
    if moved:
        _notify_moved(session)
    audit_record(actor=actor, action="class_session.changed", target=session, gym=session.gym_id, data={"changes": changed})
    return session


def _cancel(session: ClassSession, *, reason: str, now: datetime) -> list[int]:
    """Cancel the locked `session`: its booked and waitlisted bookings end as
    cancelled_by_gym and their members are emailed after the commit."""
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason[:255]
    session.cancelled_at = now
    session.save(update_fields=["status", "cancel_reason", "cancelled_at", "updated_at"])
    holding = Booking.objects.filter(
        session=session, status__in=(BookingStatus.BOOKED, BookingStatus.WAITLISTED)
    )
    ids = list(holding.values_list("pk", flat=True))
    holding.update(
        status=BookingStatus.CANCELLED_BY_GYM,
        waitlist_position=None,
        cancelled_at=now,
        cancel_reason=reason[:255],
        updated_at=now,
    )
    notify_after_commit("session_cancelled", booking_ids=ids)
    return ids


@transaction.atomic
def class_session_cancel(*, actor: Actor, session: ClassSession, reason: str, now: datetime | None = None) -> ClassSession:
    """Cancel a session that has not ended: every booked and waitlisted member is emailed,
    in the gym's language, after the commit. A session cancelled stays (its rule does not
    make it again)."""
    now = now or timezone.now()
    session = session_lock(session.pk)
    if session.is_cancelled:
        raise Conflict(_("This session was already cancelled."), "session_cancelled")
    if session.ends_at <= now:
        raise Conflict(_("This session has ended: it can no longer be cancelled."), "session_ended")
    if not reason or not reason.strip():
        raise _invalid("reason", _("Say why the session is cancelled (the members are told)."))
    ids = _cancel(session, reason=reason.strip(), now=now)
    audit_record(
        actor=actor,
        action="class_session.cancelled",
        target=session,
        gym=session.gym_id,
        data={"reason": session.cancel_reason, "bookings_cancelled": len(ids)},
    )
    return session


# --- Policy -----------------------------------------------------------------------------


POLICY_FIELDS = ("booking_window_days", "cancel_cutoff_minutes", "weeks_ahead", "no_show_limit", "no_show_block_days")


@transaction.atomic
def class_policy_save(*, actor: Actor, gym: Gym, changes: dict[str, Any]) -> ClassPolicy:
    """Set a gym's booking rules (a row made from the defaults when it has none)."""
    check_editable(changes, POLICY_FIELDS)
    from ..policy import default_policy

    defaults = default_policy()
    policy, _created = ClassPolicy.objects.select_for_update().get_or_create(
        gym=gym,
        defaults={name: getattr(defaults, name) for name in POLICY_FIELDS},
    )
    changed = apply_changes(policy, changes)
    if not 1 <= policy.weeks_ahead <= 52:
        raise _invalid("weeks_ahead", _("Give between 1 and 52 weeks."))
    if policy.no_show_limit is not None and policy.no_show_limit < 1:
        raise _invalid("no_show_limit", _("Give at least 1, or leave it empty to switch the policy off."))
    policy.save()
    if changed:
        audit_record(actor=actor, action="class_policy.changed", target=policy, gym=gym, data={"changes": changed})
    return policy
