from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gymsite.accounts.models import Gym
from gymsite.core.models import TimeStampedModel
from members.models import Member


class AttendanceResult(models.TextChoices):
    GRANTED = "granted", _("Granted")
    DENIED = "denied", _("Denied")


class AttendanceSource(models.TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    DEVICE = "device", _("Fingerprint terminal")
    STAFF_ENTRY = "staff_entry", _("Staff entry")


class DenialReason(models.TextChoices):
    """Why a check-in was refused, in the order the rules are checked (seed 002)."""

    MEMBER_INACTIVE = "member_inactive", _("Member inactive")
    NO_MEMBERSHIP = "no_membership", _("No membership")
    MEMBERSHIP_PAUSED = "membership_paused", _("Membership paused")
    MEMBERSHIP_EXPIRED = "membership_expired", _("Membership expired")
    ALREADY_CHECKED_IN = "already_checked_in", _("Already checked in today")


class Attendance(TimeStampedModel):
    """One check-in attempt at the door: a visit when granted, a refusal (with its reason)
    when denied. Denied rows are kept so the front desk and the owner see who was turned
    away; they never count as visits.

    `local_date` is the date of `check_in_at` in the gym's time zone, stored so "one visit
    per member per day" is a plain unique constraint and daily lists are an index lookup.
    The services keep it in step with `check_in_at`.
    """

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="attendances",
        db_index=False,  # the member_time index starts with member
    )
    # The gym the member entered, kept even if the member later moves to another gym.
    gym = models.ForeignKey(
        Gym,
        verbose_name=_("gym"),
        on_delete=models.PROTECT,
        related_name="attendances",
        db_index=False,  # the gym_day and gym_time indexes start with gym
    )
    check_in_at = models.DateTimeField(_("checked in at"))
    check_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    local_date = models.DateField(_("date (gym time)"))
    result = models.CharField(_("result"), max_length=10, choices=AttendanceResult.choices)
    reason = models.CharField(
        _("reason"), max_length=30, choices=DenialReason.choices, blank=True
    )
    source = models.CharField(_("source"), max_length=20, choices=AttendanceSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The fingerprint terminal that let the member in (named by string: attendance never
    # imports devices). Its label is kept, so a deleted terminal's visits still say which
    # door it was.
    device = models.ForeignKey(
        "devices.Device",
        verbose_name=_("device"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    device_label = models.CharField(_("device label"), max_length=120, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-check_in_at", "-id"]
        verbose_name = _("attendance")
        # The same word in English; Spanish counts "19 asistencias".
        verbose_name_plural = pgettext_lazy("plural", "attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "local_date"],
                condition=Q(result="granted"),
                name="attendance_one_visit_per_member_day",
            ),
            models.CheckConstraint(
                condition=Q(check_out_at__isnull=True) | Q(check_out_at__gte=models.F("check_in_at")),
                name="attendance_check_out_after_check_in",
            ),
            models.CheckConstraint(
                condition=Q(result="granted", reason="") | (Q(result="denied") & ~Q(reason="")),
                name="attendance_reason_only_when_denied",
            ),
            models.CheckConstraint(
                condition=Q(source__in=AttendanceSource.values), name="attendance_source_valid"
            ),
        ]
        indexes = [
            # Daily list, occupancy and stats: one gym, a range of local dates, granted.
            models.Index(fields=["gym", "local_date", "result"], name="attendance_gym_day"),
            # The attendance list, newest first, within a gym.
            models.Index(fields=["gym", "-check_in_at"], name="attendance_gym_time"),
            # A member's history and summary.
            models.Index(fields=["member", "result", "check_in_at"], name="attendance_member_time"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.check_in_at:%Y-%m-%d %H:%M} {self.result}"

    @property
    def is_granted(self) -> bool:
        return self.result == AttendanceResult.GRANTED
