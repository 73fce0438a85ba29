"""Input validation and output shape of the inspections (no rules: those live in
services and scoring)."""

from __future__ import annotations

import uuid

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gymsite.accounts.models import Gym
from gymsite.accounts.scoping import VisibleRelatedField
from gymsite.accounts.serializers import GymRefSerializer
from gymsite.core.images import IMAGE_FORMATS, MAX_IMAGE_BYTES, image_format
from gymsite.core.serializers import ReadOnlyBlankMixin

from . import selectors
from .models import (
    MAX_PHOTOS_PER_ANSWER,
    MAX_QUESTION_POINTS,
    Answer,
    AnswerPhoto,
    Checklist,
    Inspection,
    InspectionStatus,
    Question,
    QuestionType,
)
from .services import MAX_OPTIONS

# A photo as base64 text: 5 MB of image is about 6.7 million characters.
MAX_BASE64_CHARS = (MAX_IMAGE_BYTES * 4) // 3 + 1024


def points_field(**kwargs):
    return serializers.DecimalField(max_digits=9, decimal_places=2, coerce_to_string=False, **kwargs)


class VisibleRowField(serializers.PrimaryKeyRelatedField):
    """A row named by id in a body, among those the request's user may see (`visible`:
    user → queryset): 400 does_not_exist otherwise, like VisibleRelatedField."""

    def __init__(self, *, visible, **kwargs):
        self.visible = visible
        kwargs.setdefault("pk_field", serializers.IntegerField(min_value=1, max_value=2**63 - 1))
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.visible(self.context["request"].user)

    def to_internal_value(self, data):
        pk = self.pk_field.run_validation(data)
        row = self.get_queryset().filter(pk=pk).first()
        if row is None:
            self.fail("does_not_exist", pk_value=pk)
        return row


class ImageUploadField(serializers.FileField):
    """An uploaded image, checked by decoding it (JPEG, PNG or WebP, at most 5 MB); stored
    under a random name with its real format's extension."""

    def to_internal_value(self, data):
        file = super().to_internal_value(data)
        if file.size is not None and file.size > MAX_IMAGE_BYTES:
            raise serializers.ValidationError(_("The image must be at most 5 MB."), code="photo_too_large")
        found = image_format(file, decode=True)
        if found is None:
            raise serializers.ValidationError(_("Upload a JPEG, PNG or WebP image."), code="invalid_photo")
        file.name = f"{uuid.uuid4().hex}.{IMAGE_FORMATS[found]}"
        return file


# --- Checklists and questions -------------------------------------------------------------


class OptionSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=100)
    score = points_field(min_value=0, max_value=MAX_QUESTION_POINTS)
    is_failed = serializers.BooleanField(default=False)


class QuestionSerializer(ReadOnlyBlankMixin, serializers.ModelSerializer):
    checklist = VisibleRowField(visible=selectors.checklists_for, queryset=Checklist.objects.all())
    type = serializers.ChoiceField(choices=QuestionType.choices)
    points = points_field(min_value=0, max_value=MAX_QUESTION_POINTS, required=False)
    options = OptionSerializer(many=True, required=False, allow_null=True, max_length=MAX_OPTIONS)
    max_photos = serializers.IntegerField(min_value=0, max_value=MAX_PHOTOS_PER_ANSWER, required=False)
    order = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    min_value = serializers.DecimalField(max_digits=14, decimal_places=4, coerce_to_string=False, required=False, allow_null=True)
    max_value = serializers.DecimalField(max_digits=14, decimal_places=4, coerce_to_string=False, required=False, allow_null=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "checklist",
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
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


    def validate_options(self, options):
        # `allow_null` lets the list be null; DRF would then let each option be null too.
        if options is not None and any(option is None for option in options):
            raise serializers.ValidationError(_("An option cannot be null."))
        return options


class QuestionUpdateSerializer(QuestionSerializer):
    checklist = serializers.PrimaryKeyRelatedField(read_only=True)


class ChecklistSerializer(ReadOnlyBlankMixin, serializers.ModelSerializer):
    gym = VisibleRelatedField(
        queryset=Gym.objects.all(), gym_field=None, required=False, allow_null=True,
        help_text=_("The gym that uses it; null: every gym."),
    )
    logo = ImageUploadField(required=False, allow_null=True, write_only=True, help_text=_("An image (multipart)."))
    logo_file_url = serializers.SerializerMethodField(help_text=_("Where the API serves the uploaded logo."))
    max_score = points_field(read_only=True)
    creator_id = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)

    class Meta:
        model = Checklist
        fields = [
            "id",
            "gym",
            "name",
            "description",
            "ai_mode",
            "scoring_enabled",
            "logo",
            "logo_url",
            "logo_file_url",
            "max_score",
            "is_active",
            "version",
            "creator_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "max_score", "version", "creator_id", "created_at", "updated_at"]

    @extend_schema_field({"type": "string", "nullable": True})
    def get_logo_file_url(self, checklist) -> str | None:
        if not checklist.logo:
            return None
        return reverse("checklist-logo", kwargs={"pk": checklist.pk})


class SectionSerializer(serializers.Serializer):
    name = serializers.CharField()
    questions = QuestionSerializer(many=True, source="items")


class ChecklistDetailSerializer(ChecklistSerializer):
    sections = serializers.SerializerMethodField(help_text=_("The questions grouped by section, in order."))

    class Meta(ChecklistSerializer.Meta):
        fields = [*ChecklistSerializer.Meta.fields, "sections"]

    @extend_schema_field(SectionSerializer(many=True))
    def get_sections(self, checklist):
        grouped = selectors.sections(checklist.questions.all(), key=lambda q: q.section)
        return SectionSerializer(grouped, many=True, context=self.context).data


# --- Inspections and answers ----------------------------------------------------------------


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = AnswerPhoto
        fields = ["id", "url", "content_type", "size", "width", "height", "created_at"]
        read_only_fields = fields

    def get_url(self, photo) -> str:
        return reverse("answer-photo", kwargs={"pk": photo.answer_id, "photo_id": photo.pk})


class AnswerSerializer(ReadOnlyBlankMixin, serializers.ModelSerializer):
    points_earned = points_field(read_only=True)
    max_points = points_field(read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    question_type = serializers.ChoiceField(choices=QuestionType.choices, read_only=True)

    class Meta:
        model = Answer
        fields = [
            "id",
            "inspection",
            "question",
            "section",
            "question_text",
            "question_type",
            "answer_value",
            "answer_text",
            "is_na",
            "is_failed",
            "is_flagged",
            "points_earned",
            "max_points",
            "comments",
            "photos",
            "answered_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AnswerCreateSerializer(serializers.Serializer):
    """Any points_earned in the body is ignored: the server computes it."""

    inspection = VisibleRowField(visible=selectors.inspections_for, queryset=Inspection.objects.all())
    question = VisibleRowField(visible=selectors.questions_for, queryset=Question.objects.all())
    answer_value = serializers.CharField(max_length=255, allow_blank=True, allow_null=True, required=False, default="")
    answer_text = serializers.CharField(max_length=10_000, allow_blank=True, allow_null=True, required=False, default="")
    is_flagged = serializers.BooleanField(required=False, default=False)
    comments = serializers.CharField(max_length=5_000, allow_blank=True, allow_null=True, required=False, default="")
    photos = serializers.ListField(
        child=serializers.CharField(max_length=MAX_BASE64_CHARS, trim_whitespace=False),
        required=False,
        allow_null=True,
        max_length=MAX_PHOTOS_PER_ANSWER,
        help_text=_(
            "JSON: images as base64 text (or data: URLs); multipart: image files, the field repeated. "
            "Given, they replace the answer's photos; left out, the photos stay."
        ),
    )


class InspectionSerializer(ReadOnlyBlankMixin, serializers.ModelSerializer):
    gym = GymRefSerializer(read_only=True)
    mechanic_id = serializers.IntegerField(read_only=True)
    mechanic_name = serializers.CharField(source="mechanic.full_name", read_only=True)
    checklist_id = serializers.IntegerField(read_only=True)
    score = points_field(read_only=True)
    max_score = points_field(read_only=True)
    percentage = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False, read_only=True)
    status = serializers.ChoiceField(choices=InspectionStatus.choices, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "checklist_id",
            "checklist_name",
            "checklist_version",
            "scoring_enabled",
            "mechanic_id",
            "mechanic_name",
            "gym",
            "or_number",
            "vehicle_plate",
            "vehicle_brand",
            "vehicle_model",
            "vehicle_km",
            "client_name",
            "asset",
            "score",
            "max_score",
            "percentage",
            "flagged_items_count",
            "status",
            "started_at",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InspectionDetailSerializer(InspectionSerializer):
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "answers"]
        read_only_fields = fields


class InspectionCreateSerializer(serializers.Serializer):
    checklist = VisibleRowField(visible=selectors.checklists_for, queryset=Checklist.objects.all())
    gym = VisibleRelatedField(queryset=Gym.objects.all(), gym_field=None, required=False, help_text=_("The gym (admins)."))
    or_number = serializers.CharField(max_length=50, allow_blank=True, required=False)
    vehicle_plate = serializers.CharField(max_length=20, allow_blank=True, required=False)
    vehicle_brand = serializers.CharField(max_length=60, allow_blank=True, required=False)
    vehicle_model = serializers.CharField(max_length=60, allow_blank=True, required=False)
    vehicle_km = serializers.IntegerField(min_value=0, max_value=10_000_000, allow_null=True, required=False)
    client_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    asset = serializers.CharField(
        max_length=150, allow_blank=True, required=False, help_text=_('A piece of equipment, e.g. "Treadmill #4".')
    )


class DeactivatedSerializer(serializers.Serializer):
    message = serializers.CharField()
    inspection_id = serializers.IntegerField()


class MissingQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    section = serializers.CharField()
    text = serializers.CharField()


# --- AI ----------------------------------------------------------------------------------


class AnalyzeSerializer(serializers.Serializer):
    question = VisibleRowField(
        visible=selectors.questions_for, queryset=Question.objects.all(), required=False,
        help_text=_("The question, when the client knows it: its checklist's ai_mode must allow AI, and a multiple choice question's options are used."),
    )
    photo_base64 = serializers.CharField(max_length=MAX_BASE64_CHARS, trim_whitespace=False)
    question_text = serializers.CharField(max_length=500)
    question_type = serializers.ChoiceField(choices=QuestionType.choices)
    section = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    options = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=MAX_OPTIONS, default=list,
        help_text=_("The labels of a multiple choice question's options."),
    )


class AnalysisSerializer(serializers.Serializer):
    answer_value = serializers.CharField()
    confidence = serializers.FloatField(min_value=0, max_value=1)
    explanation = serializers.CharField(allow_blank=True)
    is_flagged = serializers.BooleanField()
    comments = serializers.CharField(allow_blank=True)


class AnalyzeResponseSerializer(serializers.Serializer):
    analysis = AnalysisSerializer()
    model_used = serializers.CharField()
    timestamp = serializers.DateTimeField()

