"""Reads of the classes app that are more than a filter: the timetable with its places
left and waitlist length (a fixed number of queries for any page), a session's roster, an
instructor's week and the stats."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay

from gymsite.accounts.models import Gym

from .models import TAKING_A_PLACE, Booking, BookingStatus, ClassSession, SessionStatus


def _bookings_count(**filters) -> Coalesce:
    counted = (
        Booking.objects.filter(session_id=OuterRef("pk"), **filters)
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_places(queryset: QuerySet[ClassSession]) -> QuerySet[ClassSession]:
    """`taken` (booked or attended) and `waitlisted` counted in the same query as the
    sessions. Correlated subqueries, not a join with GROUP BY: PostgreSQL then counts only
    the page's rows (a GROUP BY aggregates every matching session before the LIMIT; ten
    times slower for a page of 500 of 1,400 in bench/classes.py). A page's count query
    leaves them out (Django drops unused annotations)."""
    return queryset.annotate(
        taken=_bookings_count(status__in=TAKING_A_PLACE),
        waitlisted=_bookings_count(status=BookingStatus.WAITLISTED),
    )


def sessions_queryset() -> QuerySet[ClassSession]:
    """Sessions with their class type, instructor and gym, and their places counted."""
    return with_places(ClassSession.objects.select_related("class_type", "instructor", "gym"))


def bookings_queryset() -> QuerySet[Booking]:
    return Booking.objects.select_related(
        "member", "session__class_type", "session__gym", "session__instructor", "created_by"
    )


ROSTER_GROUPS = {
    BookingStatus.BOOKED: "booked",
    BookingStatus.WAITLISTED: "waitlisted",
    BookingStatus.ATTENDED: "attended",
    BookingStatus.NO_SHOW: "no_show",
    BookingStatus.LATE_CANCELLED: "late_cancelled",
}


def session_roster(session: ClassSession) -> dict[str, list[Booking]]:
    """The session's bookings by group: booked and attended in booking order, the
    waitlist in its order, then no-shows and late cancellations (one query)."""
    roster: dict[str, list[Booking]] = {name: [] for name in ROSTER_GROUPS.values()}
    rows = (
        Booking.objects.select_related("member")
        .filter(session=session, status__in=list(ROSTER_GROUPS))
        .order_by("waitlist_position", "created_at", "id")
    )
    for booking in rows:
        roster[ROSTER_GROUPS[booking.status]].append(booking)
    return roster


def _rate(filled: int, capacity: int) -> float | None:
    return round(filled / capacity, 4) if capacity else None


def class_stats(*, gyms: list[Gym], date_from: date, date_to: date) -> list[dict]:
    """Per gym, the scheduled sessions of gym-local days date_from..date_to: per class type
    and per weekday (1 = Monday) × hour (gym-local start): sessions, places, places taken
    (booked, attended or no-show), fill rate, attended, no-shows and late cancellations.
    Four queries whatever the range."""
    sessions = ClassSession.objects.filter(
        gym__in=gyms, status=SessionStatus.SCHEDULED, local_date__gte=date_from, local_date__lte=date_to
    )
    bookings = Booking.objects.filter(session__in=sessions)
    booking_counts = {
        "taken": Count("id", filter=Q(status__in=(*TAKING_A_PLACE, BookingStatus.NO_SHOW))),
        "attended": Count("id", filter=Q(status=BookingStatus.ATTENDED)),
        "no_shows": Count("id", filter=Q(status=BookingStatus.NO_SHOW)),
        "late_cancels": Count("id", filter=Q(status=BookingStatus.LATE_CANCELLED)),
    }
    session_counts = {"sessions": Count("id"), "capacity": Coalesce(Sum("capacity"), 0, output_field=IntegerField())}

    blocks: dict[int, dict] = {
        gym.pk: {"gym": {"id": gym.pk, "name": gym.name}, "by_class_type": {}, "by_weekday_hour": {}} for gym in gyms
    }

    def merge(target: str, key_of, session_rows, booking_rows):
        for row in session_rows:
            entry = blocks[row["gym_id"]][target].setdefault(key_of(row), {})
            entry.update(sessions=row["sessions"], capacity=row["capacity"])
            entry.update(taken=0, attended=0, no_shows=0, late_cancels=0)
        for row in booking_rows:
            entry = blocks[row["gym_id"]][target].get(key_of(row))
            if entry is not None:
                entry.update({name: row[name] for name in booking_counts})

    names = {}
    type_rows = list(sessions.values("gym_id", "class_type_id", "class_type__name").annotate(**session_counts))
    for row in type_rows:
        names[row["class_type_id"]] = row["class_type__name"]
    merge(
        "by_class_type",
        lambda row: row["class_type_id"],
        type_rows,
        bookings.values(gym_id=F("session__gym_id"), class_type_id=F("session__class_type_id"))
        .annotate(**booking_counts),
    )
    merge(
        "by_weekday_hour",
        lambda row: (row["weekday"], row["hour"]),
        sessions.values("gym_id", weekday=ExtractIsoWeekDay("local_date"), hour=ExtractHour("local_start"))
        .annotate(**session_counts),
        bookings.values(
            gym_id=F("session__gym_id"),
            weekday=ExtractIsoWeekDay("session__local_date"),
            hour=ExtractHour("session__local_start"),
        ).annotate(**booking_counts),
    )

    result = []
    for block in blocks.values():
        by_type = [
            {"class_type": {"id": key, "name": names[key]}, **entry, "fill_rate": _rate(entry["taken"], entry["capacity"])}
            for key, entry in sorted(block["by_class_type"].items(), key=lambda item: names[item[0]].lower())
        ]
        by_slot = [
            {"weekday": key[0], "hour": key[1], **entry, "fill_rate": _rate(entry["taken"], entry["capacity"])}
            for key, entry in sorted(block["by_weekday_hour"].items())
        ]
        names_counted = ("sessions", "capacity", "taken", "attended", "no_shows", "late_cancels")
        totals = {name: sum(entry[name] for entry in by_type) for name in names_counted}
        result.append(
            {
                "gym": block["gym"],
                "totals": {**totals, "fill_rate": _rate(totals["taken"], totals["capacity"])},
                "by_class_type": by_type,
                "by_weekday_hour": by_slot,
            }
        )
    return result
