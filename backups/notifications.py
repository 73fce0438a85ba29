"""Emails to the admins: a backup failed, a verification failed, backups are stale, and
(when BACKUP_NOTIFY_SUCCESS is on) a backup succeeded; and the test email. Admins belong
to no gym here, so "the admins" are every active admin user with an email address. Each
email goes out in the site's language, through gymsite.core.mail."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _

from gymsite.accounts.models import User
from gymsite.accounts.roles import Role
from gymsite.core.mail import send_templated_mail

from .models import Backup

log = logging.getLogger(__name__)


def admin_emails() -> list[str]:
    return list(
        User.objects.filter(role=Role.ADMIN, is_active=True).exclude(email="").order_by("email").values_list("email", flat=True)
    )


def _send(*, template: str, subject, context: dict, to: list[str] | None = None) -> int:
    recipients = admin_emails() if to is None else to
    if not recipients:
        return 0
    language = settings.LANGUAGE_CODE[:2]
    with translation.override(language):
        subject_text = str(subject() if callable(subject) else subject)
    try:
        return send_templated_mail(
            template=f"backups/email/{template}", subject=subject_text, context=context, to=recipients, language=language
        )
    except (SMTPException, OSError):
        # A notice that cannot go out must not turn a finished backup into a failure;
        # the dashboard shows the state anyway.
        log.exception("backup notice %s not sent", template)
        return 0


def notify_failure(backup: Backup) -> int:
    return _send(
        template="backup_failed",
        subject=lambda: _("Backup failed: %(type)s of %(when)s") % {"type": backup.get_type_display(), "when": f"{backup.created_at:%Y-%m-%d %H:%M} UTC"},
        context={"backup": backup},
    )


def notify_success(backup: Backup) -> int:
    if not settings.BACKUP_NOTIFY_SUCCESS or backup.status != "succeeded":
        return 0
    return _send(
        template="backup_succeeded",
        subject=lambda: _("Backup succeeded: %(type)s of %(when)s") % {"type": backup.get_type_display(), "when": f"{backup.created_at:%Y-%m-%d %H:%M} UTC"},
        context={"backup": backup},
    )


def notify_verification_failed(backup: Backup) -> int:
    return _send(
        template="verification_failed",
        subject=lambda: _("Backup verification failed: %(type)s of %(when)s") % {"type": backup.get_type_display(), "when": f"{backup.created_at:%Y-%m-%d %H:%M} UTC"},
        context={"backup": backup},
    )


STALE_KEY = "backups:stale-notice"


def notify_stale(last_good: Backup | None) -> int:
    """Backups are stale: one email per stale spell (not one every check), until a good
    backup ends it."""
    marker = str(last_good.pk) if last_good else "none"
    if cache.get(STALE_KEY) == marker:
        return 0
    sent = _send(template="backups_stale", subject=lambda: _("Backups are out of date"), context={"backup": last_good})
    cache.set(STALE_KEY, marker, 7 * 24 * 3600)
    return sent


def send_test_email(*, to: str) -> None:
    """The test email, straight through the configured SMTP server; SMTP errors raise."""
    send_templated_mail(
        template="backups/email/test",
        subject=_("gymsite: test email from the backup notifications"),
        context={"to": to},
        to=[to],
    )
