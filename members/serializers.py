"""Member input validation and output shape (no rules: those live in services)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gymsite.accounts.models import Gym
from gymsite.accounts.scoping import VisibleRelatedField
from gymsite.accounts.serializers import GymRefSerializer
from gymsite.core.dates import BoundedDatesMixin
from gymsite.core.serializer_cache import CachedFieldsMixin
from gymsite.core.serializers import ReadOnlyBlankMixin

from .models import EDITABLE_FIELDS, Member, MemberStatus
from .selectors import member_last_visit_display
from .validators import validate_member_photo


class MemberRefSerializer(serializers.ModelSerializer):
    """A member as other apps' answers name them (a booking, a measurement's progress)."""

    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Member
        fields = ["id", "first_name", "last_name", "full_name"]
        read_only_fields = fields


# Optional text fields: a client may send null for "none"; the row stores "".
BLANKABLE_TEXT_FIELDS = ("last_name", "email", "phone", "document_id", "gender", "photo_url", "notes")


class CurrentPlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


@extend_schema_field(OpenApiTypes.BINARY)
class PhotoField(serializers.FileField):
    """An uploaded JPEG/PNG/WebP ≤ 5 MB, checked by content; answered as an absolute URL."""

    def to_internal_value(self, data):
        file = super().to_internal_value(data)
        try:
            return validate_member_photo(file)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from None


class MemberSerializer(CachedFieldsMixin, ReadOnlyBlankMixin, serializers.ModelSerializer):
    """A member as every endpoint answers it. `gym` is {id, name}; `current_plan` and the
    period dates come from the membership summary that billing maintains."""

    gym = GymRefSerializer(read_only=True)
    full_name = serializers.CharField(read_only=True)
    photo = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=MemberStatus.choices, read_only=True)
    current_plan = serializers.SerializerMethodField()
    last_visit_display = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = [
            "id",
            "gym",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "phone",
            "document_id",
            "gender",
            "birth_date",
            "photo",
            "photo_url",
            "notes",
            "is_active",
            "status",
            "current_plan",
            "membership_since",
            "membership_starts_on",
            "expires_on",
            "paused_from",
            "paused_until",
            "last_visit_at",
            "last_visit_display",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_photo(self, member: Member) -> str | None:
        if not member.photo:
            return None
        url = member.photo.url
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    @extend_schema_field(CurrentPlanSerializer(allow_null=True))
    def get_current_plan(self, member: Member) -> dict | None:
        if member.current_plan_id is None:
            return None
        return {"id": member.current_plan_id, "name": member.current_plan_name}

    def get_last_visit_display(self, member: Member) -> str:
        return member_last_visit_display(member)


class MemberWriteSerializer(BoundedDatesMixin, serializers.ModelSerializer):
    """What POST, PUT and PATCH accept (JSON or multipart). Billing subclasses it to add
    the enrollment fields (plan, amount, method, starts_on)."""

    gym = VisibleRelatedField(
        queryset=Gym.objects.all(),
        gym_field=None,
        required=False,
        help_text=_("The member's gym (admins; staff of one gym may omit it)."),
    )
    photo = PhotoField(
        required=False,
        allow_null=True,
        help_text=_("A JPEG, PNG or WebP image of at most 5 MB; null clears the photo."),
    )

    class Meta:
        model = Member
        fields = list(EDITABLE_FIELDS)
        extra_kwargs = {field: {"allow_null": True} for field in BLANKABLE_TEXT_FIELDS}
        # Uniqueness within the gym is a rule: the service checks it (with the DB behind).
        validators: list = []

    def validate(self, attrs):
        for field in BLANKABLE_TEXT_FIELDS:
            if field in attrs and attrs[field] is None:
                attrs[field] = ""
        return attrs

    def validate_email(self, value):
        return value.strip().lower() if value else value

    def validate_birth_date(self, value):
        if value is not None and not (date(1900, 1, 1) <= value <= date.today()):
            raise serializers.ValidationError(_("Enter a real birth date."), code="invalid_birth_date")
        return value


class MemberImportRowSerializer(MemberWriteSerializer):
    """One row of an import file: the same fields and checks as the API, minus the gym
    (the import's) and the photo upload."""

    class Meta(MemberWriteSerializer.Meta):
        fields = [f for f in MemberWriteSerializer.Meta.fields if f not in ("gym", "photo")]


class MemberImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("A UTF-8 CSV file with a header row."))
    gym = VisibleRelatedField(
        queryset=Gym.objects.all(), gym_field=None, required=False, help_text=_("Admins with several gyms.")
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text=_("Validate only; the same as ?dry_run=true.")
    )


class ImportRowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class MemberImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    created = serializers.IntegerField()
    errors = ImportRowErrorSerializer(many=True)


class MemberImportErrorSerializer(MemberImportResultSerializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class ImportFileErrorSerializer(serializers.Serializer):
    """The shared error body, for a file that cannot be read at all."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
