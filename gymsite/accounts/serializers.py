from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gymsite.core.dates import MAX_DEFAULT_STAY_MINUTES, MAX_EXPIRY_REMINDER_DAYS
from gymsite.core.serializer_cache import CachedFieldsMixin

from .models import GYM_EDITABLE_FIELDS, PROFILE_EDITABLE_FIELDS, APIToken, AuditEvent, Gym, User
from .roles import Role


# A gym as other answers name it, {id, name}: a member's gym, a summary's gym. Reads a Gym
# or a mapping with those keys. (A comment: a docstring would describe it in the schema.)
class GymRefSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Gym
        fields = ["id", "name"]
        read_only_fields = fields


class GymSerializer(serializers.ModelSerializer):
    class Meta:
        model = Gym
        fields = ["id", *GYM_EDITABLE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # The settings that feed date arithmetic are bounded (gymsite/core/dates.py).
        extra_kwargs = {
            "name": {"validators": []},
            "expiry_reminder_days": {"min_value": 0, "max_value": MAX_EXPIRY_REMINDER_DAYS},
            "default_stay_minutes": {"min_value": 0, "max_value": MAX_DEFAULT_STAY_MINUTES},
        }


# The user shapes on the hot path (/auth/me, which every client asks for, and the login
# answer) build their fields once per class: they depend on the class only. Comments, not
# docstrings: a serializer's docstring becomes its description in the OpenAPI schema.
class UserSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    gym = serializers.PrimaryKeyRelatedField(
        queryset=Gym.objects.all(), allow_null=True, required=False
    )
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "full_name",
            "document_id",
            "phone",
            "role",
            "gym",
            "is_active",
            "last_login",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "is_active", "last_login", "created_at", "updated_at"]
        extra_kwargs = {"username": {"validators": []}, "email": {"validators": []}}


class UserCreateSerializer(UserSerializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    class Meta(UserSerializer.Meta):
        fields = UserSerializer.Meta.fields + ["password"]


class ProfileSerializer(serializers.ModelSerializer):
    """/users/me: everyone edits their email, name and phone; nothing else."""

    class Meta:
        model = User
        fields = UserSerializer.Meta.fields
        read_only_fields = [f for f in UserSerializer.Meta.fields if f not in PROFILE_EDITABLE_FIELDS]
        extra_kwargs = {"email": {"validators": []}}


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True)
    full_name = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(
        choices=[(r.value, r.label) for r in Role if r != Role.ADMIN], default=Role.MECHANIC
    )
    gym = serializers.PrimaryKeyRelatedField(
        queryset=Gym.objects.filter(is_active=True),
        required=False,
        help_text="The active gym the account works at; optional when there is only one.",
    )


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField(required=False, max_length=254)
    username = serializers.CharField(required=False, max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})

    def validate(self, attrs):
        identifier = attrs.get("email") or attrs.get("username")
        if not identifier:
            raise serializers.ValidationError(
                _("Give an email or a username."), code="identifier_required"
            )
        attrs["identifier"] = identifier
        return attrs


class LoginUserSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "full_name", "role", "gym", "is_active", "created_at"]


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()


class LoginResponseSerializer(TokenPairSerializer):
    token_type = serializers.CharField(default="bearer")
    user = LoginUserSerializer()


class RefreshSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(max_length=4096)


class SetPasswordSerializer(serializers.Serializer):
    new_password = serializers.CharField(max_length=4096, style={"input_type": "password"})
    current_password = serializers.CharField(
        max_length=4096,
        required=False,
        style={"input_type": "password"},
        help_text="Required to change your own password.",
    )


class ChangeOwnPasswordSerializer(SetPasswordSerializer):
    current_password = serializers.CharField(max_length=4096, style={"input_type": "password"})


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class PasswordChangedSerializer(MessageSerializer, TokenPairSerializer):
    pass


class UserMessageSerializer(MessageSerializer):
    user_id = serializers.IntegerField()


class TokenMessageSerializer(MessageSerializer):
    token_id = serializers.IntegerField()


class APITokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = APIToken
        fields = ["id", "description", "prefix", "is_active", "last_used_at", "created_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "is_active", "last_used_at", "created_at", "revoked_at"]


class APITokenCreatedSerializer(APITokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown in this response only.")

    class Meta(APITokenSerializer.Meta):
        fields = APITokenSerializer.Meta.fields + ["token"]


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor_type",
            "actor_user",
            "actor_token",
            "actor_label",
            "gym",
            "action",
            "target_type",
            "target_id",
            "data",
            "ip",
        ]
