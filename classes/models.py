"""Group classes: class types, a weekly schedule of rules, the sessions generated from them
(or made one-off), bookings with capacity and a waitlist, and the calendar feeds' tokens.

A session's `local_date` and `local_start` are its day and start time in the gym's time
zone, fixed when it is generated or moved: the unique (rule, local_date) makes generation
idempotent, and stats group by weekday and hour without converting time zones in SQL.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gymsite.accounts.models import Gym
from gymsite.core.models import TimeStampedModel
from members.models import Member

MAX_CAPACITY = 1000
MAX_DURATION_MINUTES = 24 * 60

CLASS_TYPE_EDITABLE_FIELDS = (
    "name",
    "description",
    "default_duration_minutes",
    "default_capacity",
    "colour",
    "is_active",
)
RULE_EDITABLE_FIELDS = (
    "class_type",
    "weekday",
    "start_time",
    "duration_minutes",
    "capacity",
    "instructor",
    "room",
    "valid_from",
    "valid_until",
)
SESSION_EDITABLE_FIELDS = ("starts_at", "duration_minutes", "capacity", "instructor", "room")
# The fields whose change moves a session in time (the members booked are told).
MOVING_RULE_FIELDS = ("weekday", "start_time", "duration_minutes")

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Give a colour as #rrggbb."))


class Weekday(models.IntegerChoices):
    # A context of their own: Django's date formats translate the bare day names (its
    # Spanish ones are lower-case), and ours must not replace them.
    MONDAY = 0, pgettext_lazy("weekday", "Monday")
    TUESDAY = 1, pgettext_lazy("weekday", "Tuesday")
    WEDNESDAY = 2, pgettext_lazy("weekday", "Wednesday")
    THURSDAY = 3, pgettext_lazy("weekday", "Thursday")
    FRIDAY = 4, pgettext_lazy("weekday", "Friday")
    SATURDAY = 5, pgettext_lazy("weekday", "Saturday")
    SUNDAY = 6, pgettext_lazy("weekday", "Sunday")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")
    LATE_CANCELLED = "late_cancelled", _("Cancelled late")
    CANCELLED_BY_GYM = "cancelled_by_gym", _("Cancelled by the gym")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("No-show")


# A member holds at most one of these per session; they are what "a booking" means for
# overlap and duplicates. A place is taken by a booked or an attended booking.
HOLDING = (BookingStatus.BOOKED, BookingStatus.WAITLISTED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
TAKING_A_PLACE = (BookingStatus.BOOKED, BookingStatus.ATTENDED)


class ClassType(TimeStampedModel):
    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.PROTECT, related_name="class_types")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    default_duration_minutes = models.PositiveSmallIntegerField(
        _("default duration (minutes)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    default_capacity = models.PositiveSmallIntegerField(
        _("default capacity"), default=20, validators=[MaxValueValidator(MAX_CAPACITY)]
    )
    colour = models.CharField(_("colour"), max_length=7, default="#3366cc", validators=[colour_validator])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["gym_id", "name", "id"]
        verbose_name = _("class type")
        verbose_name_plural = _("class types")
        constraints = [
            models.UniqueConstraint(Lower("name"), "gym", name="class_type_name_unique_in_gym"),
            models.CheckConstraint(
                condition=Q(default_duration_minutes__gte=1, default_duration_minutes__lte=MAX_DURATION_MINUTES),
                name="class_type_duration_range",
            ),
            models.CheckConstraint(condition=Q(default_capacity__lte=MAX_CAPACITY), name="class_type_capacity_max"),
        ]

    def __str__(self) -> str:
        return self.name


class ScheduleRule(TimeStampedModel):
    """A weekly slot: every `weekday` at `start_time` (gym-local) from `valid_from` to
    `valid_until` (inclusive; open-ended when empty)."""

    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.PROTECT, related_name="schedule_rules")
    class_type = models.ForeignKey(
        ClassType, verbose_name=_("class type"), on_delete=models.PROTECT, related_name="rules"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("start time (gym time)"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)]
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MaxValueValidator(MAX_CAPACITY)])
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="class_rules",
    )
    room = models.CharField(_("room"), max_length=120, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["gym_id", "weekday", "start_time", "id"]
        verbose_name = _("schedule rule")
        verbose_name_plural = _("schedule rules")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="schedule_rule_weekday_range"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=MAX_DURATION_MINUTES),
                name="schedule_rule_duration_range",
            ),
            models.CheckConstraint(condition=Q(capacity__lte=MAX_CAPACITY), name="schedule_rule_capacity_max"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="schedule_rule_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.class_type} · {self.get_weekday_display()} {self.start_time:%H:%M}"


class ClassSession(TimeStampedModel):
    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.PROTECT, related_name="class_sessions")
    class_type = models.ForeignKey(
        ClassType, verbose_name=_("class type"), on_delete=models.PROTECT, related_name="sessions"
    )
    rule = models.ForeignKey(
        ScheduleRule,
        verbose_name=_("schedule rule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    local_date = models.DateField(_("day (gym time)"))
    # The rule's occurrence this session is (the day the rule gave it, kept when staff
    # move this one session to another day, so the rule does not make that day again).
    rule_date = models.DateField(_("day in the schedule"), null=True, blank=True)
    local_start = models.TimeField(_("start (gym time)"))
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="class_sessions",
    )
    room = models.CharField(_("room"), max_length=120, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MaxValueValidator(MAX_CAPACITY)])
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    cancel_reason = models.CharField(_("cancel reason"), max_length=255, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("class session")
        verbose_name_plural = _("class sessions")
        constraints = [
            # Generation is idempotent: one session per rule and gym-local day.
            models.UniqueConstraint(
                fields=["rule", "rule_date"], condition=Q(rule__isnull=False), name="class_session_rule_day_unique"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="class_session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__lte=MAX_CAPACITY), name="class_session_capacity_max"),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="class_session_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["gym", "local_date"]),
            models.Index(fields=["instructor", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.class_type} · {self.local_date} {self.local_start:%H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Booking(models.Model):
    session = models.ForeignKey(
        ClassSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="bookings"
    )
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="class_bookings")
    status = models.CharField(_("status"), max_length=20, choices=BookingStatus.choices)
    # 1, 2, 3… among the session's waitlisted bookings, no gaps (empty otherwise).
    waitlist_position = models.IntegerField(_("waitlist position"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set when an API token (a member app acting for the member) made the booking.
    created_by_token = models.ForeignKey(
        "accounts.APIToken",
        verbose_name=_("created with API token"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    promoted_at = models.DateTimeField(_("promoted from the waitlist at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=255, blank=True)
    attended_at = models.DateTimeField(_("attended at"), null=True, blank=True)
    attendance = models.ForeignKey(
        "attendance.Attendance",
        verbose_name=_("visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["session_id", "id"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=Q(status__in=HOLDING),
                name="booking_one_per_member_and_session",
            ),
            # Positions are renumbered in two steps (negated, then shifted back), so the
            # constraint holds after every statement, without deferring it.
            models.UniqueConstraint(
                fields=["session", "waitlist_position"],
                condition=Q(status=BookingStatus.WAITLISTED),
                name="booking_waitlist_position_unique",
            ),
            models.CheckConstraint(
                condition=Q(status=BookingStatus.WAITLISTED, waitlist_position__isnull=False)
                | (~Q(status=BookingStatus.WAITLISTED) & Q(waitlist_position__isnull=True)),
                name="booking_waitlist_position_iff_waitlisted",
            ),
            models.CheckConstraint(condition=Q(status__in=BookingStatus.values), name="booking_status_valid"),
        ]
        indexes = [
            models.Index(fields=["session", "status"]),
            models.Index(fields=["member", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.session} ({self.status})"


class ClassPolicy(models.Model):
    """A gym's booking rules. A gym without a row uses the defaults of settings.py
    (CLASSES_*), which `classes.policy.policy_for` fills in."""

    gym = models.OneToOneField(Gym, verbose_name=_("gym"), on_delete=models.CASCADE, related_name="class_policy")
    booking_window_days = models.PositiveSmallIntegerField(
        _("booking opens (days before)"), validators=[MaxValueValidator(365)]
    )
    cancel_cutoff_minutes = models.PositiveIntegerField(
        _("free cancellation until (minutes before)"), validators=[MaxValueValidator(7 * 24 * 60)]
    )
    weeks_ahead = models.PositiveSmallIntegerField(
        _("sessions generated (weeks ahead)"), validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    # The no-show policy: off while no_show_limit is empty.
    no_show_limit = models.PositiveSmallIntegerField(
        _("no-shows in 30 days that block booking"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    no_show_block_days = models.PositiveSmallIntegerField(
        _("days blocked"), default=7, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )

    class Meta:
        verbose_name = _("class booking policy")
        verbose_name_plural = _("class booking policies")
        constraints = [
            models.CheckConstraint(condition=Q(weeks_ahead__gte=1, weeks_ahead__lte=52), name="class_policy_weeks_range"),
        ]

    def __str__(self) -> str:
        return str(self.gym)


class FeedToken(models.Model):
    """An iCalendar feed's secret: the raw token is shown once, only its hash is kept.
    A feed of the whole gym (no instructor) or of one instructor."""

    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.CASCADE, related_name="class_feeds")
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructor"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="class_feeds",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.gym})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
