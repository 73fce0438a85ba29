"""The backups in the admin: the catalog and the restores, read-only (only the services
write them); actions go through the services: take a backup now, verify."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gymsite.accounts.admin_mixins import ReadOnlyAdminMixin
from gymsite.accounts.audit import Actor, audit_record
from gymsite.core.errors import DomainError

from . import services
from .models import Backup, BackupStatus, BackupType, Restore


@admin.register(Backup)
class BackupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "type",
        "status",
        "trigger",
        "progress_percentage",
        "size_display",
        "verified_ok",
        "finished_at",
        "file_name",
    ]
    list_filter = ["status", "type", "trigger", "verified_ok"]
    search_fields = ["id", "file_name", "error"]
    list_select_related = ["parent"]
    fields = [
        "id",
        "type",
        "requested_type",
        "type_reason",
        "status",
        "trigger",
        "requested_by_name",
        "parent",
        "chain",
        "created_at",
        "started_at",
        "finished_at",
        "progress_percentage",
        "current_step",
        "size",
        "sha256",
        "file_name",
        "encrypted",
        "format_version",
        "engine",
        "schema_version",
        "row_counts",
        "media_count",
        "verified_at",
        "verified_ok",
        "verification_error",
        "error",
    ]
    readonly_fields = fields
    actions = ["take_full_backup", "verify_selected"]

    @admin.display(description=_("size"), ordering="size")
    def size_display(self, backup: Backup) -> str:
        from django.template.defaultfilters import filesizeformat

        return filesizeformat(backup.size) if backup.size is not None else "—"

    @admin.action(description=_("Take a full backup now (in the background)"))
    def take_full_backup(self, request, queryset):
        try:
            backup = services.backup_trigger(actor=Actor.from_request(request), type=BackupType.FULL)
        except DomainError as exc:
            self.message_user(request, str(exc.detail), messages.ERROR)
            return
        self.message_user(request, _("Full backup %(id)s started.") % {"id": backup.pk}, messages.SUCCESS)

    @admin.action(description=_("Verify the selected backups now"))
    def verify_selected(self, request, queryset):
        actor = Actor.from_request(request)
        ok = failed = 0
        for backup in queryset.filter(status=BackupStatus.SUCCEEDED):
            passed = services.backup_verify(backup=backup)
            audit_record(actor=actor, action="backup.verified", target=backup, data={"ok": passed})
            ok, failed = ok + passed, failed + (not passed)
        level = messages.ERROR if failed else messages.SUCCESS
        self.message_user(
            request,
            ngettext("%(ok)d backup verified, %(failed)d failed.", "%(ok)d backups verified, %(failed)d failed.", ok)
            % {"ok": ok, "failed": failed},
            level,
        )


@admin.register(Restore)
class RestoreAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "backup", "status", "requested_by_name", "finished_at"]
    list_filter = ["status"]
    fields = ["id", "backup", "safety_backup", "status", "requested_by_name", "created_at", "started_at", "finished_at", "error"]
    readonly_fields = fields
