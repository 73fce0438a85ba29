"""Expiry reminders, sent through a real SMTP server on loopback (aiosmtpd)."""

from contextlib import contextmanager
from datetime import date, timedelta
from email.header import decode_header, make_header

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.db.models.signals import post_save
from django.test import override_settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from billing.models import ExpiryReminder, MembershipPause
from billing.selectors import expiry_reminder_candidates
from billing.services import expiry_reminders_send
from billing.services.reminders import CLAIM_TIMEOUT
from billing.tasks import send_expiry_reminders
from gymsite.accounts.models import AuditEvent

from .factories import MemberFactory, give_membership
from .mail import free_port, smtp_settings

pytestmark = pytest.mark.django_db

def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body(message, content_type: str = "text/plain") -> str:
    """The part of `content_type` of the mail (plain text, with an HTML alternative)."""
    part = next(p for p in message.walk() if p.get_content_type() == content_type)
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def test_the_daily_task_is_registered_with_beat():
    task = PeriodicTask.objects.get(task="billing.tasks.send_expiry_reminders")
    assert task.enabled and task.crontab is not None


def test_upcoming_and_expired_reminders_are_sent_once(smtp, gym, monthly, frozen):
    gym.expiry_reminder_days = 3
    gym.save()
    frozen(2026, 1, 1)
    soon = MemberFactory(gym=gym, first_name="Soon", email="soon@example.com")
    give_membership(soon, monthly)  # Jan 1 – Feb 1
    no_email = MemberFactory(gym=gym, first_name="Mute", email="")
    give_membership(no_email, monthly)
    renewed = MemberFactory(gym=gym, first_name="Renewed", email="renewed@example.com")
    give_membership(renewed, monthly)
    give_membership(renewed, monthly)  # stacked: not expiring on Feb 1
    frozen(2025, 12, 29)
    gone = MemberFactory(gym=gym, first_name="Gone", email="gone@example.com")
    give_membership(gone, monthly, starts_on=None)  # Dec 29 – Jan 29

    frozen(2026, 1, 28)  # Soon expires in 4 days: too early; Gone's coverage ends tomorrow
    assert send_expiry_reminders() == {"upcoming": 1, "expired": 0}
    assert [rcpt for rcpt, _ in smtp.messages] == [["gone@example.com"]]
    frozen(2026, 1, 29)  # Soon expires in 3 days; Gone's last day is today: not expired yet
    assert send_expiry_reminders() == {"upcoming": 1, "expired": 0}
    assert [rcpt for rcpt, _ in smtp.messages] == [["gone@example.com"], ["soon@example.com"]]
    message = smtp.messages[1][1]
    assert "Main Gym" in subject(message) and "February 1, 2026" in subject(message)
    assert "Hello Soon" in body(message) and "Mensual" in body(message)
    html = body(message, "text/html")
    assert "<p>Hello Soon,</p>" in html and "Sunday, February 1, 2026" in html and '<html lang="en">' in html

    # Running again (a retry, a second beat) sends nothing more.
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    call_command("send_expiry_reminders")
    assert len(smtp.messages) == 2

    frozen(2026, 1, 30)  # Gone's last day was Jan 29
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 1}
    rcpt, message = smtp.messages[-1]
    assert rcpt == ["gone@example.com"] and "expired" in subject(message)
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}

    frozen(2026, 2, 1)  # Soon's expiry day is still covered: no "expired" yet
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    frozen(2026, 2, 2)  # the first day not covered
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 1}
    assert [m[0] for m in smtp.messages[3:]] == [["soon@example.com"]]
    assert ExpiryReminder.objects.count() == 4
    assert not ExpiryReminder.objects.filter(membership__member__in=[renewed, no_email]).exists()


def test_missed_days_are_caught_up_once(smtp, gym, monthly, frozen):
    """The worker was down on the reminder day and on the first day not covered: the next
    runs send each reminder once, late, and then nothing more."""
    gym.expiry_reminder_days = 3
    gym.save()
    frozen(2026, 1, 1)
    give_membership(MemberFactory(gym=gym, email="soon@example.com"), monthly)  # Jan 1 – Feb 1
    frozen(2026, 1, 28)
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    # Jan 29 (3 days before) missed.
    frozen(2026, 1, 30)
    assert send_expiry_reminders() == {"upcoming": 1, "expired": 0}
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    frozen(2026, 1, 31)
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    # Feb 2 to Feb 4 missed; Feb 1 is still covered.
    frozen(2026, 2, 5)
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 1}
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    frozen(2026, 2, 6)
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    assert [rcpt for rcpt, _ in smtp.messages] == [["soon@example.com"]] * 2
    assert sorted(ExpiryReminder.objects.values_list("kind", flat=True)) == ["expired", "upcoming"]


def test_enrolled_with_fewer_days_left_than_the_notice_is_told_once(smtp, gym, visit, frozen):
    gym.expiry_reminder_days = 3
    gym.save()
    frozen(2026, 3, 10)
    give_membership(MemberFactory(gym=gym, email="day@example.com"), visit)  # covered Mar 10 – Mar 11
    assert send_expiry_reminders() == {"upcoming": 1, "expired": 0}
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    frozen(2026, 3, 11)
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    frozen(2026, 3, 12)
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 1}
    assert len(smtp.messages) == 2


def test_a_member_who_renewed_is_not_caught_up(smtp, gym, monthly, frozen):
    """Catching up never reminds about a period the member has already followed with
    another: renewed ahead (stacked) during a missed upcoming window, or after a gap
    during a missed expired window."""
    frozen(2026, 1, 1)
    ahead = MemberFactory(gym=gym, email="ahead@example.com")
    give_membership(ahead, monthly)  # Jan 1 – Feb 1
    late = MemberFactory(gym=gym, email="late@example.com")
    give_membership(late, monthly)  # Jan 1 – Feb 1
    # Both get the upcoming reminder on time, then the task stops running.
    frozen(2026, 1, 29)
    assert send_expiry_reminders() == {"upcoming": 2, "expired": 0}
    frozen(2026, 1, 30)
    give_membership(ahead, monthly)  # Feb 2 – Mar 2, stacked on the first
    frozen(2026, 2, 3)
    give_membership(late, monthly)  # Feb 3 – Mar 3, after a gap
    frozen(2026, 2, 4)  # the task is back: Feb 1 ended neither member's coverage any more
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    assert not ExpiryReminder.objects.filter(kind="expired").exists()
    assert len(smtp.messages) == 2


def test_an_expired_reminder_more_than_a_week_late_is_not_sent(smtp, gym, monthly, frozen):
    frozen(2026, 1, 1)
    give_membership(MemberFactory(gym=gym, email="in-time@example.com"), monthly)  # last day Feb 1
    frozen(2025, 12, 31)
    give_membership(MemberFactory(gym=gym, email="too-late@example.com"), monthly)  # last day Jan 31
    frozen(2026, 2, 8)  # 7 days after Feb 1, 8 days after Jan 31; the task never ran before
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 1}
    assert [rcpt for rcpt, _ in smtp.messages] == [["in-time@example.com"]]
    frozen(2026, 2, 9)
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    assert len(smtp.messages) == 1


def test_candidates_take_one_query_per_gym(gym, monthly, visit, frozen, django_assert_num_queries):
    frozen(2026, 1, 1)
    for n in range(3):
        give_membership(MemberFactory(gym=gym, email=f"m{n}@example.com"), monthly)  # last day Feb 1
    frozen(2026, 1, 30)
    for n in range(3):
        give_membership(MemberFactory(gym=gym, email=f"v{n}@example.com"), visit)  # last day Jan 31
    frozen(2026, 1, 27)
    give_membership(MemberFactory(gym=gym, email="gone@example.com"), visit)  # last day Jan 28
    with django_assert_num_queries(1):
        candidates = expiry_reminder_candidates(gym=gym, today=date(2026, 1, 30))
        kinds = [(kind, m.member.email, m.plan.name, m.gym.name) for kind, m in candidates]
    assert [(kind, email) for kind, email, _, _ in kinds] == [
        *(("upcoming", f"m{n}@example.com") for n in range(3)),
        *(("upcoming", f"v{n}@example.com") for n in range(3)),
        ("expired", "gone@example.com"),
    ]


@override_settings(LANGUAGE_CODE="es")
def test_reminders_in_spanish(smtp, gym, monthly, frozen):
    frozen(2026, 1, 1)
    give_membership(MemberFactory(gym=gym, first_name="Lucía", email="lucia@example.com"), monthly)
    frozen(2026, 1, 29)  # 3 days before Jan 1 + 1 month = Feb 1
    send_expiry_reminders()
    message = smtp.messages[0][1]
    assert subject(message) == "Tu membresía de Main Gym vence el 1 de febrero de 2026"
    assert "Hola Lucía" in body(message)


def due(gym, monthly, frozen, *emails):
    """Members whose monthly period (Jan 1 – Feb 1) gets its upcoming reminder on Jan 29,
    the clock left on that day."""
    frozen(2026, 1, 1)
    for email in emails:
        give_membership(MemberFactory(gym=gym, email=email), monthly)
    frozen(2026, 1, 29)


def reminder(email: str) -> ExpiryReminder:
    return ExpiryReminder.objects.get(membership__member__email=email)


def test_a_refused_mail_is_kept_and_the_next_run_sends_it_once(smtp, gym, monthly, frozen):
    """The server refuses one recipient: the other mail still goes, the refused one stays
    unsent with its error, and the next run sends it (and nothing twice)."""
    due(gym, monthly, frozen, "good@example.com", "full@example.com")
    smtp.refuse = {"full@example.com"}
    assert send_expiry_reminders() == {"upcoming": 1, "expired": 0}
    assert smtp.recipients == [["good@example.com"]]
    full = reminder("full@example.com")
    assert full.sent_at is None and full.claimed_at is None and full.attempts == 1
    assert "SMTPRecipientsRefused" in full.last_error and "Mailbox unavailable" in full.last_error
    assert reminder("good@example.com").sent_at is not None
    assert AuditEvent.objects.filter(action="membership.reminder_upcoming").count() == 1

    smtp.refuse = set()
    assert send_expiry_reminders() == {"upcoming": 1, "expired": 0}
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    assert smtp.recipients == [["good@example.com"], ["full@example.com"]]
    full.refresh_from_db()
    assert full.sent_at is not None and full.attempts == 2 and full.last_error == ""
    assert reminder("good@example.com").attempts == 1
    assert AuditEvent.objects.filter(action="membership.reminder_upcoming").count() == 2


def test_an_unreachable_server_stops_the_run_and_the_retry_sends_each_once(smtp, gym, monthly, frozen):
    """SMTP down: the run records the failure on the first reminder, stops and raises (the
    Celery task retries on OSError); a later run sends every reminder exactly once."""
    due(gym, monthly, frozen, "a@example.com", "b@example.com")
    with smtp_settings(free_port()), pytest.raises(OSError):  # nothing listens on that port
        send_expiry_reminders.run()
    first = reminder("a@example.com")
    assert first.sent_at is None and first.claimed_at is None and first.attempts == 1
    assert "ConnectionRefusedError" in first.last_error
    assert not ExpiryReminder.objects.filter(membership__member__email="b@example.com").exists()
    assert smtp.messages == []

    assert send_expiry_reminders.run() == {"upcoming": 2, "expired": 0}
    assert send_expiry_reminders.run() == {"upcoming": 0, "expired": 0}
    assert smtp.recipients == [["a@example.com"], ["b@example.com"]]
    assert reminder("a@example.com").attempts == 2


@contextmanager
def failing_commit(model, when=lambda row: True):
    """The transaction that writes a `model` row (for which `when` holds) fails at COMMIT:
    it also writes a row whose foreign key points nowhere, which the database checks
    (deferred) at the commit. The block must raise that IntegrityError."""

    def break_it(sender, instance, created=False, **kwargs):
        if created and when(instance):
            MembershipPause.objects.create(
                membership_id=10**9, paused_from=date(2026, 1, 1), paused_until=date(2026, 1, 1)
            )

    post_save.connect(break_it, sender=model)
    try:
        with pytest.raises(IntegrityError, match="FOREIGN KEY|foreign key"):
            yield
    finally:
        post_save.disconnect(break_it, sender=model)


@pytest.mark.django_db(transaction=True)
def test_a_failed_commit_of_the_reminder_mails_nothing_and_the_next_run_sends_once(smtp, gym, monthly, frozen):
    due(gym, monthly, frozen, "x@example.com")
    with failing_commit(ExpiryReminder):
        expiry_reminders_send()
    assert smtp.messages == []  # the mail waits for the commit
    assert not ExpiryReminder.objects.exists() and not MembershipPause.objects.exists()

    assert expiry_reminders_send() == {"upcoming": 1, "expired": 0}
    assert expiry_reminders_send() == {"upcoming": 0, "expired": 0}
    assert smtp.recipients == [["x@example.com"]]
    assert reminder("x@example.com").attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_failed_commit_after_the_send_is_the_at_least_once_duplicate(smtp, gym, monthly, frozen):
    """The mail went out but marking it sent did not commit: the claim keeps other runs
    off until it expires, then one more run sends it again (at least once, never lost)."""
    due(gym, monthly, frozen, "x@example.com")
    with failing_commit(AuditEvent, when=lambda event: event.action == "membership.reminder_upcoming"):
        expiry_reminders_send()
    assert smtp.recipients == [["x@example.com"]]
    row = reminder("x@example.com")
    assert row.sent_at is None and row.claimed_at is not None
    assert expiry_reminders_send() == {"upcoming": 0, "expired": 0}  # claimed: left alone
    frozen(2026, 1, 29, 12 + 1)  # the claim (15 minutes) has expired
    assert expiry_reminders_send() == {"upcoming": 1, "expired": 0}
    assert expiry_reminders_send() == {"upcoming": 0, "expired": 0}
    assert smtp.recipients == [["x@example.com"]] * 2


def test_a_run_leaves_a_live_claim_alone_and_takes_a_stale_one(smtp, gym, monthly, frozen):
    due(gym, monthly, frozen, "x@example.com")
    (kind, period), = expiry_reminder_candidates(gym=gym, today=date(2026, 1, 29))
    claimed = ExpiryReminder.objects.create(
        membership=period, kind=kind, claimed_at=timezone.now() - CLAIM_TIMEOUT + timedelta(minutes=1), attempts=1
    )
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}  # another run is sending it
    assert smtp.messages == []
    ExpiryReminder.objects.filter(pk=claimed.pk).update(claimed_at=timezone.now() - CLAIM_TIMEOUT - timedelta(seconds=1))
    assert send_expiry_reminders() == {"upcoming": 1, "expired": 0}  # that run died: taken over
    assert smtp.recipients == [["x@example.com"]]
    claimed.refresh_from_db()
    assert claimed.sent_at is not None and claimed.attempts == 2 and claimed.claimed_at is None


def test_a_reminder_no_longer_due_is_not_retried(smtp, gym, monthly, frozen):
    """A refused "expires soon" mail is retried only while the reminder is due: not after
    the member renewed."""
    due(gym, monthly, frozen, "x@example.com")
    smtp.refuse = {"x@example.com"}
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    give_membership(ExpiryReminder.objects.get().membership.member, monthly)  # renewed: stacked
    smtp.refuse = set()
    assert send_expiry_reminders() == {"upcoming": 0, "expired": 0}
    assert smtp.messages == [] and ExpiryReminder.objects.get().sent_at is None
