from datetime import date, datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.models import Gym
from gymsite.core.localtime import local_today
from gymsite.core.models import TimeStampedModel


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    PENDING = "pending", _("Pending")
    PAUSED = "paused", _("Paused")


# What staff may write on a member (API and import), in the order forms show them. The
# membership summary is billing's to write and last_visit_at attendance's.
EDITABLE_FIELDS = (
    "gym",
    "first_name",
    "last_name",
    "email",
    "phone",
    "document_id",
    "gender",
    "birth_date",
    "photo",
    "photo_url",
    "notes",
    "is_active",
)


class Member(TimeStampedModel):
    """A gym's customer. Members have no login.

    The membership summary fields (`current_plan_*`, `membership_since`,
    `membership_starts_on`, `expires_on`, `paused_*`) are written only by billing's
    services, under this row's lock, whenever a membership changes. They let members,
    attendance and devices decide a member's status without knowing billing (DESIGN.md:
    dependencies point one way), and let lists filter by status in SQL.
    """

    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.PROTECT, related_name="members")
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    document_id = models.CharField(_("document ID"), max_length=50, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to="members/photos/%Y/%m/", blank=True)
    photo_url = models.URLField(_("photo URL"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    # Membership summary (see the class docstring).
    current_plan_id = models.BigIntegerField(_("current plan id"), null=True, blank=True)
    current_plan_name = models.CharField(_("current plan"), max_length=120, blank=True)
    membership_since = models.DateField(_("member since"), null=True, blank=True)
    membership_starts_on = models.DateField(_("current period starts on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True, db_index=True)
    paused_from = models.DateField(_("paused from"), null=True, blank=True)
    paused_until = models.DateField(_("paused until"), null=True, blank=True)

    last_visit_at = models.DateTimeField(_("last visit at"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(
                fields=["gym", "email"], condition=~Q(email=""), name="member_email_unique_in_gym"
            ),
            models.UniqueConstraint(
                fields=["gym", "document_id"],
                condition=~Q(document_id=""),
                name="member_document_unique_in_gym",
            ),
            models.CheckConstraint(
                condition=Q(paused_from__isnull=True, paused_until__isnull=True)
                | Q(paused_from__isnull=False, paused_until__isnull=False, paused_until__gte=models.F("paused_from")),
                name="member_pause_range_valid",
            ),
        ]
        indexes = [models.Index(fields=["gym", "last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def local_today(self, now: datetime | None = None) -> date:
        """Today in the member's gym time zone (`now` pins the clock)."""
        return local_today(self.gym.tz, now)

    # The membership rules, once in Python: `status_on` and `paused_on` decide a member's
    # day from the summary billing writes. Their SQL twins are `member_status_q` and
    # `member_paused_q` (members.selectors), and attendance's check-in refusal is built on
    # them; tests/members/test_status_twins.py checks all of them agree on every edge day.

    def paused_on(self, day: date) -> bool:
        """Whether `day` falls in the member's pause (billing writes both ends or neither),
        whether or not a period covers it."""
        return self.paused_from is not None and self.paused_from <= day <= self.paused_until

    def status_on(self, day: date) -> str:
        if self.expires_on is None:
            return MemberStatus.PENDING
        if day > self.expires_on:
            return MemberStatus.EXPIRED
        if self.membership_starts_on and day < self.membership_starts_on:
            had_earlier = self.membership_since and self.membership_since < self.membership_starts_on
            return MemberStatus.EXPIRED if had_earlier else MemberStatus.PENDING
        if self.paused_on(day):
            return MemberStatus.PAUSED
        return MemberStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_on(self.local_today())
