"""The iCalendar feeds (RFC 5545, written with the icalendar package): a gym's timetable,
or one instructor's sessions, from 30 days back to the end of what is generated.

Times are written in UTC (a calendar shows them in the phone's zone), each session keeps
its UID across edits (so a moved class moves in the phone), and a cancelled one stays in
the feed with STATUS:CANCELLED (so the phone drops it). Nothing about members is in it:
no names, no bookings, only the number of places.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import ClassSession, FeedToken, SessionStatus

FEED_PAST = timedelta(days=30)
MAX_FEED_SESSIONS = 5000
# Writing last_used_at on every poll would write on every phone's refresh.
LAST_USED_GRANULARITY = timedelta(hours=1)


def _feed_sessions(feed: FeedToken):
    now = timezone.now()
    sessions = ClassSession.objects.select_related("class_type", "instructor").filter(
        gym_id=feed.gym_id, starts_at__gte=now - FEED_PAST
    )
    if feed.instructor_id is not None:
        sessions = sessions.filter(Q(instructor_id=feed.instructor_id))
    return sessions.order_by("starts_at", "id")[:MAX_FEED_SESSIONS]


def feed_ics(feed: FeedToken) -> bytes:
    """The feed's calendar, in the gym's language."""
    gym = feed.gym
    now = timezone.now()
    if feed.last_used_at is None or feed.last_used_at < now - LAST_USED_GRANULARITY:
        FeedToken.objects.filter(pk=feed.pk).update(last_used_at=now)
    with translation.override(gym.member_language):
        calendar = Calendar()
        calendar.add("prodid", "-//gymsite//classes//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        name = gym.name if feed.instructor is None else f"{gym.name} · {feed.instructor.full_name or feed.instructor.username}"
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", gym.time_zone)
        for session in _feed_sessions(feed):
            event = Event()
            event.add("uid", f"class-session-{session.pk}@gymsite")
            event.add("dtstamp", now.astimezone(UTC))
            event.add("last-modified", session.updated_at.astimezone(UTC))
            event.add("dtstart", session.starts_at.astimezone(UTC))
            event.add("dtend", session.ends_at.astimezone(UTC))
            event.add("summary", session.class_type.name)
            if session.room:
                event.add("location", session.room)
            lines = []
            if session.instructor is not None:
                lines.append(_("Instructor: %(name)s") % {"name": session.instructor.full_name or session.instructor.username})
            lines.append(_("Places: %(capacity)d") % {"capacity": session.capacity})
            if session.status == SessionStatus.CANCELLED:
                event.add("status", "CANCELLED")
                if session.cancel_reason:
                    lines.append(_("Cancelled: %(reason)s") % {"reason": session.cancel_reason})
            else:
                event.add("status", "CONFIRMED")
            event.add("description", "\n".join(lines))
            event.add("sequence", int(session.updated_at.timestamp()) // 60 % 2_000_000_000)
            calendar.add_component(event)
        return calendar.to_ical()
