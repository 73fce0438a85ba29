"""Celery tasks of the classes app. The two schedules (generating sessions daily, marking
no-shows every 15 minutes) live in django-celery-beat, created by migration 0002 and
editable in the admin. Each task is idempotent and safe to retry."""

from smtplib import SMTPException

from celery import shared_task

from . import notifications, services

MAIL_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 30,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="classes.tasks.generate_sessions")
def generate_sessions() -> int:
    """Extend every gym's schedule to its horizon (weeks ahead); creates nothing twice."""
    return services.sessions_generate()


@shared_task(name="classes.tasks.mark_no_shows")
def mark_no_shows() -> int:
    """Bookings still booked after their session ended become no-shows."""
    return services.bookings_mark_no_show()


@shared_task(name="classes.tasks.send_promoted", **MAIL_RETRY)
def send_promoted(booking_ids: list[int]) -> int:
    return notifications.notice_send(kind="promoted", booking_ids=booking_ids)


@shared_task(name="classes.tasks.send_session_cancelled", **MAIL_RETRY)
def send_session_cancelled(booking_ids: list[int]) -> int:
    return notifications.notice_send(kind="session_cancelled", booking_ids=booking_ids)


@shared_task(name="classes.tasks.send_session_moved", **MAIL_RETRY)
def send_session_moved(booking_ids: list[int]) -> int:
    return notifications.notice_send(kind="session_moved", booking_ids=booking_ids)
