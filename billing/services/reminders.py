"""Expiry reminders: the mails that tell a member their coverage ends soon, or has ended.

Delivery is **at-least-once**. For each reminder due (`selectors.expiry_reminder_candidates`):

1. record and claim: in one transaction the `ExpiryReminder` row is created (or an unsent
   one taken again), marked claimed and its attempt counted; the transaction commits;
2. send, outside any transaction: the mail goes out only after that commit, so a failed
   commit sends nothing and leaves nothing (the next run starts over);
3. mark: `sent_at` is set (and the audit event written) in a second transaction. A failed
   send clears the claim and keeps the error in `last_error`: the row stays unsent and
   the next run (Celery's retry, or tomorrow's) sends it again while it is still due.

A mail is therefore never lost to a failure of ours, but one can go out twice: when the
SMTP server accepted it and the run died (or the database failed) before step 3 committed,
the claim expires after CLAIM_TIMEOUT and a later run sends it again. We prefer a rare
duplicate to a member never told (at-most-once would mark the row sent before sending, and
a failed send could then never be retried).

Concurrent runs never both send a reminder: the claim is taken under the row lock
(`select_for_update(skip_locked=True)` on PostgreSQL; SQLite serialises writers) and a
live claim (younger than CLAIM_TIMEOUT) makes every other run skip the row.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from smtplib import SMTPDataError, SMTPRecipientsRefused

from django.db import transaction
from django.db.models import Q
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.gymtime import gym_todays
from gymsite.accounts.models import Gym
from gymsite.core.mail import send_templated_mail

from ..models import ExpiryReminder, Membership
from ..selectors import expiry_reminder_candidates

logger = logging.getLogger(__name__)

# A claim older than this belongs to a run that died mid-send: another run may take it.
# Far longer than a send (EMAIL_TIMEOUT), so a slow send is never taken over.
CLAIM_TIMEOUT = timedelta(minutes=15)
# The server refused this one mail (its recipient or its content): the run goes on with
# the next reminder. Any other error (connection refused, timeout, authentication) would
# fail every send: the run stops and raises, and Celery retries it later.
MESSAGE_REFUSED = (SMTPRecipientsRefused, SMTPDataError)


def _reminder_language(gym: Gym) -> str:
    """Reminders are written in the gym's language for its members (Gym.language, else the
    site's LANGUAGE_CODE): members have no account to keep a preference in."""
    code = gym.member_language[:2].lower()
    return code if code in {"en", "es"} else "en"


# The subjects, by reminder kind; the bodies are templates/billing/email/expiry_<kind>.
SUBJECTS = {
    ExpiryReminder.Kind.UPCOMING: _("Your %(gym)s membership expires on %(date)s"),
    ExpiryReminder.Kind.EXPIRED: _("Your %(gym)s membership has expired"),
}


def _reminder_mail(*, kind: str, membership: Membership, language: str) -> None:
    member = membership.member
    context = {
        "member": member,
        "membership": membership,
        "plan": membership.plan,
        "gym": membership.gym,
        "expires_on": membership.expires_on,
    }
    with translation.override(language):  # month and day names in the mail's language
        subject = SUBJECTS[kind] % {
            "gym": membership.gym.name,
            "date": dateformat.format(membership.expires_on, gettext("F j, Y")),
        }
        send_templated_mail(
            template=f"billing/email/expiry_{kind}", subject=str(subject), context=context, to=[member.email],
            language=language,
        )


@transaction.atomic
def _reminder_claim(*, kind: str, membership: Membership) -> ExpiryReminder | None:
    """Step 1: the reminder row, created or unsent, claimed for this run; None when it was
    sent already or another run holds it."""
    ExpiryReminder.objects.get_or_create(membership=membership, kind=kind)
    now = timezone.now()
    reminder = (
        ExpiryReminder.objects.select_for_update(skip_locked=True)
        .filter(membership=membership, kind=kind, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .first()
    )
    if reminder is None:
        return None
    reminder.email = membership.member.email
    reminder.claimed_at = now
    reminder.attempts += 1
    reminder.save(update_fields=["email", "claimed_at", "attempts"])
    return reminder


@transaction.atomic
def _reminder_sent(*, reminder: ExpiryReminder, membership: Membership) -> None:
    """Step 3: the mail went out; never again."""
    ExpiryReminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now(), claimed_at=None, last_error="")
    audit_record(
        actor=Actor.system(),
        action=f"membership.reminder_{reminder.kind}",
        target=membership,
        data={"email": reminder.email, "expires_on": membership.expires_on.isoformat()},
    )


def _reminder_failed(*, reminder: ExpiryReminder, error: Exception) -> None:
    """The send failed: release the claim so the next run retries, keep why."""
    text = f"{type(error).__name__}: {error}"[:1000]
    ExpiryReminder.objects.filter(pk=reminder.pk).update(claimed_at=None, last_error=text)
    logger.warning("expiry reminder %s to %s not sent: %s", reminder.pk, reminder.email, text)


def expiry_reminders_send(*, now: datetime | None = None) -> dict[str, int]:
    """Send the reminders due today for every active gym, catching up on days the task
    missed and on sends that failed (see `selectors.expiry_reminder_candidates`); return
    how many of each kind went out.

    At-least-once, as the module docstring explains: each reminder row is recorded and
    committed before its mail is sent, and marked sent after. Call it outside a
    transaction (the Celery task and the command do), so each step really commits. A mail
    the server refuses is kept for the next run and the others still go; a server that
    cannot be reached stops the run with its error (the task's retry resends what is
    left)."""
    sent = {ExpiryReminder.Kind.UPCOMING.value: 0, ExpiryReminder.Kind.EXPIRED.value: 0}
    gyms = list(Gym.objects.filter(is_active=True).order_by("id"))
    todays = gym_todays(gyms, now or timezone.now())
    for gym in gyms:
        language = _reminder_language(gym)
        for kind, membership in expiry_reminder_candidates(gym=gym, today=todays[gym.pk]):
            reminder = _reminder_claim(kind=kind, membership=membership)
            if reminder is None:
                continue
            try:
                _reminder_mail(kind=kind, membership=membership, language=language)
            except MESSAGE_REFUSED as exc:
                _reminder_failed(reminder=reminder, error=exc)
                continue
            except Exception as exc:
                _reminder_failed(reminder=reminder, error=exc)
                raise
            _reminder_sent(reminder=reminder, membership=membership)
            sent[kind] += 1
    return sent
