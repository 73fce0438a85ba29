"""Celery tasks of billing. The daily schedule lives in django-celery-beat (created by
migration 0002, editable in the admin)."""

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    name="billing.tasks.send_expiry_reminders",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=60,
    retry_jitter=True,
    max_retries=5,
)
def send_expiry_reminders() -> dict[str, int]:
    """Email today's expiry reminders, at least once each (see
    `billing.services.reminders`). Safe to retry and to run twice, even at once: a
    reminder marked sent is never sent again, and a run skips the ones another run is
    sending. An unreachable SMTP server fails the run and Celery retries it with backoff;
    a mail the server refused is retried by the next run."""
    return services.expiry_reminders_send()
