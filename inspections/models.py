"""Inspections (seed 003): checklist templates and their questions, inspections of a vehicle
or a piece of gym equipment, and their answers with photos.

A completed inspection never changes when its template does: each answer keeps a snapshot of
its question (section, text, type, points, options) and the points it earned, and the
inspection keeps the checklist's name and version and its totals.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.models import Gym
from gymsite.core.models import TimeStampedModel

from .storage import private_storage

POINTS = {"max_digits": 9, "decimal_places": 2}
MAX_QUESTION_POINTS = 1000
MAX_PHOTOS_PER_ANSWER = 10

CHECKLIST_EDITABLE_FIELDS = (
    "name",
    "description",
    "gym",
    "ai_mode",
    "scoring_enabled",
    "logo",
    "logo_url",
    "is_active",
)
QUESTION_EDITABLE_FIELDS = (
    "section",
    "text",
    "type",
    "points",
    "options",
    "order",
    "required",
    "allow_photos",
    "max_photos",
    "requires_comment_on_fail",
    "allow_na",
    "min_value",
    "max_value",
)


class AiMode(models.TextChoices):
    OFF = "off", _("Off")
    SUGGEST = "suggest", _("Suggest")


class QuestionType(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass / fail")
    YES_NO = "yes_no", _("Yes / no")
    RATING = "rating", _("Rating (1 to 5)")
    NUMBER = "number", _("Number")
    TEXT = "text", _("Text")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    PHOTO = "photo", _("Photo")


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPLETED = "completed", _("Completed")
    INACTIVE = "inactive", _("Inactive")


class Checklist(TimeStampedModel):
    """A template of questions. `gym` null: every gym may use it."""

    gym = models.ForeignKey(
        Gym,
        verbose_name=_("gym"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checklists",
        help_text=_("Empty: every gym."),
    )
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    ai_mode = models.CharField(_("AI mode"), max_length=10, choices=AiMode.choices, default=AiMode.OFF)
    scoring_enabled = models.BooleanField(_("scoring enabled"), default=True)
    logo = models.ImageField(_("logo"), upload_to="inspections/logos/", storage=private_storage, blank=True)
    logo_url = models.URLField(_("logo URL"), max_length=500, blank=True)
    # The most a completed inspection can score, from the questions (kept up to date by the
    # question services, so lists need no aggregate).
    max_score = models.DecimalField(_("maximum score"), default=Decimal("0"), editable=False, **POINTS)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # Goes up with every change of the checklist or its questions; an inspection records
    # the version it was started on.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        constraints = [
            models.CheckConstraint(condition=Q(ai_mode__in=AiMode.values), name="checklist_ai_mode_valid"),
            models.CheckConstraint(condition=Q(max_score__gte=0), name="checklist_max_score_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="questions"
    )
    section = models.CharField(_("section"), max_length=100, blank=True)
    text = models.CharField(_("text"), max_length=500)
    type = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    points = models.DecimalField(_("points"), default=Decimal("0"), **POINTS)
    # multiple_choice: [{"label", "score", "is_failed"}]; null for the other types.
    options = models.JSONField(_("options"), null=True, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    required = models.BooleanField(_("required"), default=True)
    allow_photos = models.BooleanField(_("photos allowed"), default=False)
    max_photos = models.PositiveSmallIntegerField(_("most photos"), default=3)
    requires_comment_on_fail = models.BooleanField(_("comment required on fail"), default=False)
    allow_na = models.BooleanField(_("n/a allowed"), default=False)
    # number: the range a good reading falls in (either end optional).
    min_value = models.DecimalField(_("minimum"), max_digits=14, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=14, decimal_places=4, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["checklist_id", "order", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(condition=Q(type__in=QuestionType.values), name="question_type_valid"),
            models.CheckConstraint(
                condition=Q(points__gte=0, points__lte=MAX_QUESTION_POINTS), name="question_points_in_range"
            ),
            models.CheckConstraint(
                condition=Q(max_photos__lte=MAX_PHOTOS_PER_ANSWER), name="question_max_photos_in_range"
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(min_value__lte=models.F("max_value")),
                name="question_min_not_above_max",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Inspection(models.Model):
    """One inspection of a vehicle (seed 003's fields) or of a piece of gym equipment
    (`asset`), by one mechanic, against one checklist."""

    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="inspections"
    )
    checklist_version = models.PositiveIntegerField(_("checklist version"))
    checklist_name = models.CharField(_("checklist name"), max_length=150)
    # As the checklist was when the inspection started: a later change does not rescore it.
    scoring_enabled = models.BooleanField(_("scored"), default=True)
    mechanic = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mechanic"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.PROTECT, related_name="inspections")
    or_number = models.CharField(_("work order number"), max_length=50, blank=True)
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=20, blank=True, db_index=True)
    vehicle_brand = models.CharField(_("vehicle brand"), max_length=60, blank=True)
    vehicle_model = models.CharField(_("vehicle model"), max_length=60, blank=True)
    vehicle_km = models.PositiveIntegerField(_("vehicle km"), null=True, blank=True)
    client_name = models.CharField(_("client name"), max_length=150, blank=True)
    asset = models.CharField(_("asset"), max_length=150, blank=True, help_text=_('For example "Treadmill #4".'))
    score = models.DecimalField(_("score"), default=Decimal("0"), **POINTS)
    max_score = models.DecimalField(_("maximum score"), default=Decimal("0"), **POINTS)
    percentage = models.DecimalField(_("percentage"), max_digits=5, decimal_places=2, default=Decimal("0"))
    flagged_items_count = models.PositiveIntegerField(_("flagged items"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.DRAFT
    )
    started_at = models.DateTimeField(_("started at"))
    # The gym-local day the inspection was started (the list's date filters).
    local_date = models.DateField(_("day"), db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=InspectionStatus.values), name="inspection_status_valid"),
            models.CheckConstraint(
                condition=~Q(vehicle_plate="", asset=""), name="inspection_has_vehicle_or_asset"
            ),
            models.CheckConstraint(
                condition=Q(percentage__gte=0, percentage__lte=100), name="inspection_percentage_in_range"
            ),
            models.CheckConstraint(
                condition=~Q(status=InspectionStatus.COMPLETED) | Q(completed_at__isnull=False),
                name="inspection_completed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["gym", "local_date"]), models.Index(fields=["mechanic", "status"])]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.subject}"

    @property
    def subject(self) -> str:
        if self.vehicle_plate:
            return " ".join(p for p in (self.vehicle_plate, self.vehicle_brand, self.vehicle_model) if p)
        return self.asset


class Answer(models.Model):
    """One answer per question of an inspection, replaced while the inspection is a draft.
    The question's shape is copied in, so a later edit of the template changes nothing
    here."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.SET_NULL, null=True, blank=True, related_name="answers"
    )
    # The snapshot of the question.
    section = models.CharField(_("section"), max_length=100, blank=True)
    question_text = models.CharField(_("question"), max_length=500)
    question_type = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    question_order = models.PositiveIntegerField(_("order"), default=0)
    question_options = models.JSONField(_("options"), null=True, blank=True)
    max_points = models.DecimalField(_("maximum points"), default=Decimal("0"), **POINTS)
    # The answer.
    answer_value = models.CharField(_("answer"), max_length=255, blank=True)
    answer_text = models.TextField(_("answer text"), blank=True)
    is_na = models.BooleanField(_("n/a"), default=False)
    is_failed = models.BooleanField(_("failed"), default=False)
    is_flagged = models.BooleanField(_("flagged"), default=False)
    points_earned = models.DecimalField(_("points earned"), default=Decimal("0"), **POINTS)
    comments = models.TextField(_("comments"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["inspection_id", "question_order", "id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "question"], name="answer_one_per_question"),
            models.CheckConstraint(
                condition=Q(points_earned__gte=0, points_earned__lte=models.F("max_points")),
                name="answer_points_within_max",
            ),
            models.CheckConstraint(condition=~Q(is_failed=True, is_flagged=False), name="answer_failed_is_flagged"),
        ]

    def __str__(self) -> str:
        return f"{self.question_text}: {self.answer_value}"


class AnswerPhoto(models.Model):
    answer = models.ForeignKey(Answer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to="inspections/photos/%Y/%m/", storage=private_storage)
    content_type = models.CharField(_("content type"), max_length=30)
    size = models.PositiveIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["answer_id", "id"]
        verbose_name = _("answer photo")
        verbose_name_plural = _("answer photos")

    def __str__(self) -> str:
        return self.file.name
