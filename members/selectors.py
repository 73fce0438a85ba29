"""Reads on members that are more than a filter: status in SQL, search, export rows."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import F, Func, Q, QuerySet, TextField

from gymsite.accounts.gymtime import gym_todays, per_gym_today_q
from gymsite.accounts.models import Gym
from gymsite.core.timefmt import format_visit_time

from .models import EDITABLE_FIELDS, Member, MemberStatus

SEARCH_FIELDS = ("first_name", "last_name", "phone", "document_id", "email")


class SearchText(Func):
    """`(col1 || ' ' || col2 || ...)`: the searched columns joined by spaces (they are
    NOT NULL, so no COALESCE). Plain SQL on purpose: migration 0002 builds the pg_trgm
    GIN index over `UPPER((<this>)::text)`, the exact expression `icontains` emits, and the
    two must stay identical (a PostgreSQL test checks the plan uses the index)."""

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()


def member_search_text() -> SearchText:
    # One index over one expression costs the planner one bitmap scan, where five
    # per-column indexes OR-ed together cost more than a sequential scan. A term may also
    # span fields, so "ana lópez" finds Ana López.
    return SearchText(*(F(field) for field in SEARCH_FIELDS))


def member_search(queryset: QuerySet[Member], term: str) -> QuerySet[Member]:
    """Case-insensitive substring over first name, last name, phone, document ID and
    email. On PostgreSQL `icontains` emits `UPPER(expr::text) LIKE UPPER('%term%')`, which
    the trigram index serves."""
    return queryset.alias(search_text=member_search_text()).filter(search_text__icontains=term)


def member_paused_q(day: date) -> Q:
    """The rows whose pause covers `day`: the SQL twin of `Member.paused_on`."""
    return Q(paused_from__lte=day, paused_until__gte=day)


def member_status_q(status: str, day: date) -> Q:
    """The rows whose `Member.status_on(day)` is `status`, as a Q (the SQL twin of
    `status_on`; tests check they agree)."""
    covers_day = Q(expires_on__gte=day) & (
        Q(membership_starts_on__isnull=True) | Q(membership_starts_on__lte=day)
    )
    future_period = Q(expires_on__gte=day, membership_starts_on__gt=day)
    had_earlier = Q(membership_since__isnull=False, membership_since__lt=F("membership_starts_on"))
    if status == MemberStatus.ACTIVE:
        # Django negates over the nullable pause columns as SQL needs (a member never
        # paused is not paused today).
        return covers_day & ~member_paused_q(day)
    if status == MemberStatus.PAUSED:
        return covers_day & member_paused_q(day)
    if status == MemberStatus.EXPIRED:
        return Q(expires_on__lt=day) | (future_period & had_earlier)
    if status == MemberStatus.PENDING:
        first_period = Q(membership_since__isnull=True) | Q(
            membership_since__gte=F("membership_starts_on")
        )
        return Q(expires_on__isnull=True) | (future_period & first_period)
    raise ValueError(f"unknown member status {status!r}")


def members_with_status(
    queryset: QuerySet[Member], status: str, *, now: datetime | None = None
) -> QuerySet[Member]:
    """Filter by status with each gym's own "today" (one small query for the time zones in
    use, whatever the number of gyms or rows)."""
    return queryset.filter(per_gym_today_q(lambda today: member_status_q(status, today), now=now))


def member_last_visit_display(member: Member) -> str:
    """Seed 002's `ultimaVisita`: "07:45 PM" in the gym's time zone, "--:--" before the
    first visit."""
    return format_visit_time(member.last_visit_at, member.gym.tz)


# The export's columns, as the import reads them back (members.importing), for the API's
# export and the admin's "export the selected members".
MEMBER_EXPORT_COLUMNS = [
    "id",
    *EDITABLE_FIELDS[: EDITABLE_FIELDS.index("photo")],  # gym, names, contact, gender, birth date
    "status",
    "current_plan",
    "membership_since",
    "expires_on",
    "last_visit_at",
    "is_active",
    "photo_url",
    "notes",
    "created_at",
]


def member_export_rows(queryset: QuerySet[Member]):
    """A row per member, times in their gym's zone and status by their gym's today;
    read in chunks (the caller's queryset selects the gym)."""
    todays = gym_todays(Gym.objects.all())
    for member in queryset.select_related("gym").iterator(chunk_size=2000):
        tz = member.gym.tz
        yield [
            member.pk,
            member.gym.name,
            member.first_name,
            member.last_name,
            member.email,
            member.phone,
            member.document_id,
            member.gender,
            member.birth_date,
            member.status_on(todays[member.gym_id]),
            member.current_plan_name,
            member.membership_since,
            member.expires_on,
            member.last_visit_at.astimezone(tz).isoformat() if member.last_visit_at else "",
            member.is_active,
            member.photo_url,
            member.notes,
            member.created_at.astimezone(tz).isoformat(),
        ]
