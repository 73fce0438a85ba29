"""Expiry reminders, sent through a real SMTP server on loopback (aiosmtpd)."""

import socket
from datetime import date
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import override_settings
from django_celery_beat.models import PeriodicTask

from billing.models import ExpiryReminder
from billing.services import expiry_reminder_candidates
from billing.tasks import send_expiry_reminders

from .factories import MemberFactory, give_membership

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=5,
    ):
        yield inbox
    controller.stop()


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body(message) -> str:
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


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


def test_a_failed_send_is_retried_later(gym, monthly, frozen, settings):
    """SMTP down: the reminder row rolls back with the failure, so the next run sends it."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    frozen(2026, 1, 1)
    give_membership(MemberFactory(gym=gym, email="x@example.com"), monthly)  # Jan 1 – Feb 1
    frozen(2026, 1, 29)
    with pytest.raises(OSError):
        send_expiry_reminders.run()
    assert not ExpiryReminder.objects.exists()
