"""Plans, memberships (with their pauses), payments and the expiry-reminder log.

Billing owns every write on memberships. After each one it recomputes the member's
membership summary (see `members.models.Member`) under the member's row lock, so the
rest of the project reads a member's status without knowing billing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.models import Gym
from gymsite.core.models import TimeStampedModel
from gymsite.core.money import MONEY, PaymentMethod  # noqa: F401  (billing.models.PaymentMethod, as before)
from members.models import Member

from . import periods
from .periods import period_end  # noqa: F401  (billing.models.period_end, as before)


class DurationUnit(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


# What an update may change (`gymsite.core.changes.check_editable`): the plan's gym never
# changes; a membership's member and gym never, its purchased price only to itself.
PLAN_EDITABLE_FIELDS = ("name", "price", "duration_count", "duration_unit", "description", "is_active")
MEMBERSHIP_EDITABLE_FIELDS = ("plan", "starts_on", "is_active", "purchased_price")


class Plan(TimeStampedModel):
    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.PROTECT, related_name="plans")
    name = models.CharField(_("name"), max_length=120)
    price = models.DecimalField(_("price"), **MONEY)
    duration_count = models.PositiveSmallIntegerField(_("duration"), default=1)
    duration_unit = models.CharField(
        _("duration unit"), max_length=8, choices=DurationUnit.choices, default=DurationUnit.MONTH
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["gym_id", "price", "name", "id"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.UniqueConstraint(Lower("name"), "gym", name="plan_name_unique_in_gym"),
            models.CheckConstraint(condition=Q(price__gt=0), name="plan_price_positive"),
            models.CheckConstraint(condition=Q(duration_count__gt=0), name="plan_duration_positive"),
            models.CheckConstraint(
                condition=Q(duration_unit__in=DurationUnit.values), name="plan_duration_unit_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def period_end(self, starts_on: date) -> date:
        """The last day covered by a period of this plan from `starts_on` (see
        `billing.periods.period_end`)."""
        return periods.period_end(starts_on=starts_on, count=self.duration_count, unit=self.duration_unit)

    def length_in_days(self, starts_on: date) -> int:
        return periods.length_in_days(starts_on=starts_on, count=self.duration_count, unit=self.duration_unit)


class Membership(TimeStampedModel):
    """One paid period of a plan, covering `starts_on` through `expires_on`, both included.
    `expires_on` is `starts_on` + the plan's duration (`period_end`) plus the paused days:
    a pause pushes this expiry (and every later stacked period) by the paused days."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="memberships"
    )
    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.PROTECT, related_name="memberships")
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="memberships")
    purchased_price = models.DecimalField(_("purchased price"), **MONEY)
    starts_on = models.DateField(_("starts on"))
    expires_on = models.DateField(_("expires on"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gte=F("starts_on")), name="membership_dates_valid"),
            models.CheckConstraint(condition=Q(purchased_price__gte=0), name="membership_price_not_negative"),
        ]
        indexes = [
            models.Index(fields=["member", "starts_on"]),
            models.Index(fields=["gym", "expires_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.starts_on}–{self.expires_on}"

    @property
    def paused_days(self) -> int:
        return sum(p.days for p in self.pauses.all())


class MembershipPause(models.Model):
    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.CASCADE, related_name="pauses"
    )
    paused_from = models.DateField(_("paused from"))
    paused_until = models.DateField(_("paused until"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    resumed_on = models.DateField(_("resumed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-paused_from", "-id"]
        verbose_name = _("membership pause")
        verbose_name_plural = _("membership pauses")
        constraints = [
            models.CheckConstraint(
                condition=Q(paused_until__gte=F("paused_from")), name="membership_pause_range_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paused_from}–{self.paused_until}"

    @property
    def days(self) -> int:
        return (self.paused_until - self.paused_from).days + 1


class Payment(models.Model):
    """Money received. Never edited: a mistake is voided (kept, flagged, out of every sum)
    and recorded again. The member's name is kept for the books after the member goes."""

    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.PROTECT, related_name="payments")
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
    )
    member_name = models.CharField(_("member name"), max_length=255)
    membership = models.ForeignKey(
        Membership,
        verbose_name=_("membership"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    paid_at = models.DateTimeField(_("paid at"), db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    is_void = models.BooleanField(_("void"), default=False)
    void_reason = models.CharField(_("void reason"), max_length=255, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-paid_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(method__in=PaymentMethod.values), name="payment_method_valid"),
        ]
        indexes = [models.Index(fields=["gym", "paid_at"])]

    def __str__(self) -> str:
        return f"{self.member_name} · {self.amount} · {self.get_method_display()}"


class ExpiryReminder(models.Model):
    """One row per membership and kind: the delivery state of that reminder.

    The reminder task records the row (and claims it) in one transaction, commits, mails
    after the commit, then sets `sent_at`. `sent_at` is null until the mail went out: a
    row without it is retried by a later run (while the reminder is still due), one with
    it never again. `claimed_at` marks a send under way, so a concurrent run leaves the
    row alone; a claim older than `billing.services.reminders.CLAIM_TIMEOUT` (the run
    died mid-send) may be taken again."""

    class Kind(models.TextChoices):
        UPCOMING = "upcoming", _("Expires soon")
        EXPIRED = "expired", _("Expired")

    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    email = models.EmailField(_("sent to"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("send started at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        constraints = [
            models.UniqueConstraint(fields=["membership", "kind"], name="expiry_reminder_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.membership_id}"
