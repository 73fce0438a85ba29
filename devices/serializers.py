"""Shapes of the devices API. Templates never appear here."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gymsite.accounts.models import Gym
from gymsite.accounts.scoping import VisibleRelatedField

from .models import BiometricConsent, Device


class DeviceSerializer(serializers.ModelSerializer):
    gym = VisibleRelatedField(
        queryset=Gym.objects.all(),
        gym_field=None,
        required=False,
        help_text=_("The terminal's gym (admins with several gyms)."),
    )

    class Meta:
        model = Device
        fields = [
            "id",
            "gym",
            "name",
            "serial",
            "is_active",
            "revoked_at",
            "last_seen_at",
            "app_version",
            "token_prefix",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "is_active",
            "revoked_at",
            "last_seen_at",
            "app_version",
            "token_prefix",
            "created_at",
            "updated_at",
        ]
        validators: list = []  # the serial's uniqueness is a rule: the service checks it


class DeviceCreatedSerializer(DeviceSerializer):
    token = serializers.CharField(
        read_only=True, help_text=_("The terminal's token, shown this once: only its hash is kept.")
    )

    class Meta(DeviceSerializer.Meta):
        fields = [*DeviceSerializer.Meta.fields, "token"]


class DeviceUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["name", "serial", "is_active"]


class ConsentInputSerializer(serializers.Serializer):
    text_version = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text=_("Version of the consent text signed.")
    )


class ConsentSerializer(serializers.ModelSerializer):
    class Meta:
        model = BiometricConsent
        fields = ["id", "member", "given_at", "given_by", "text_version", "withdrawn_at", "withdrawn_by"]
        read_only_fields = fields


class ConsentStatusSerializer(serializers.Serializer):
    consent = ConsentSerializer(allow_null=True)
    fingers = serializers.ListField(child=serializers.IntegerField(), help_text=_("Fingers on record."))


class WebSocketHealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    active_connections = serializers.IntegerField()
    connected_users = serializers.ListField(child=serializers.CharField(), required=False)
    gym_subscriptions = serializers.DictField(child=serializers.IntegerField(), required=False)
