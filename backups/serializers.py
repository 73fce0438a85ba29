"""Shapes of the backups API (seed 000's fields, plus the catalog's)."""

from __future__ import annotations

from rest_framework import serializers

from .models import Backup, BackupType


class BackupSerializer(serializers.ModelSerializer):
    type_display = serializers.CharField(source="get_type_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    current_step = serializers.CharField(source="get_current_step_display", read_only=True)
    current_step_code = serializers.CharField(source="current_step", read_only=True)
    requested_by = serializers.CharField(source="requested_by_name", read_only=True)

    class Meta:
        model = Backup
        fields = [
            "id",
            "type",
            "type_display",
            "requested_type",
            "type_reason",
            "status",
            "status_display",
            "trigger",
            "parent",
            "chain",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "size",
            "sha256",
            "format_version",
            "engine",
            "schema_version",
            "row_counts",
            "media_count",
            "encrypted",
            "progress_percentage",
            "current_step",
            "current_step_code",
            "error",
            "file_name",
            "verified_at",
            "verified_ok",
            "verification_error",
        ]
        read_only_fields = fields


class TriggerSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=BackupType.choices, default=BackupType.FULL)


class TriggerResponseSerializer(serializers.Serializer):
    message = serializers.CharField()
    job_id = serializers.UUIDField()
    status = serializers.CharField()


class StatusSerializer(serializers.Serializer):
    is_running = serializers.BooleanField()
    progress_percentage = serializers.IntegerField()
    current_step = serializers.CharField(allow_null=True)
    last_backup = serializers.DateTimeField(allow_null=True)
    job_id = serializers.UUIDField(allow_null=True)
    type = serializers.CharField(allow_null=True)


class _LastBackupSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    type = serializers.CharField()
    status = serializers.CharField()
    finished_at = serializers.DateTimeField(allow_null=True)
    size = serializers.IntegerField(allow_null=True)
    file_name = serializers.CharField(allow_null=True)


class _VerificationSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    ok = serializers.BooleanField()
    backup_id = serializers.UUIDField()
    error = serializers.CharField(allow_blank=True)


class _ConfigSerializer(serializers.Serializer):
    frequency = serializers.CharField()
    next_scheduled = serializers.DateTimeField(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    system_status = serializers.ChoiceField(choices=["OK", "WARNING", "ERROR"])
    last_backup = serializers.DateTimeField(allow_null=True, help_text="When the newest good backup finished.")
    last_run = _LastBackupSerializer(allow_null=True)
    last_verification = _VerificationSerializer(allow_null=True)
    is_running = serializers.BooleanField()
    config = _ConfigSerializer()
    recent_history = BackupSerializer(many=True)


class RestoreRequestSerializer(serializers.Serializer):
    confirm = serializers.CharField(max_length=64, help_text="The backup's id, repeated.")


class RestoreResponseSerializer(serializers.Serializer):
    message = serializers.CharField()
    restore_id = serializers.UUIDField()
    status = serializers.CharField()


class VerifyResponseSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)
    verified_at = serializers.DateTimeField()
