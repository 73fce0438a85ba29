"""Owners manage terminals here (the token is shown once, after the save) and read
consents and events. Templates are not shown: neither their bytes nor a form for them."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.admin_mixins import ReadOnlyAdminMixin, ServiceAdminMixin

from .models import BiometricConsent, Device, DeviceEvent
from .services import terminals


@admin.register(Device)
class DeviceAdmin(ServiceAdminMixin, admin.ModelAdmin):
    service_fields = ("gym", "name", "serial", "is_active")
    list_display = ["name", "gym", "serial", "is_active", "last_seen_at", "app_version", "token_prefix"]
    list_filter = ["is_active", "gym"]
    search_fields = ["name", "serial"]
    readonly_fields = ["token_prefix", "revoked_at", "last_seen_at", "app_version", "created_at", "updated_at"]

    def get_fields(self, request, obj=None):
        editable = ["gym", "name", "serial"] + (["is_active"] if obj is not None else [])
        return [*editable, *self.readonly_fields]

    def service_create(self, *, actor, form, data):
        created = terminals.device_create(
            actor=actor, gym=data["gym"], name=data["name"], serial=data.get("serial", "")
        )
        self._created_token = created.token
        return created.device

    def service_update(self, *, actor, obj, changes):
        changes = {name: value for name, value in changes.items() if name != "gym"}
        return terminals.device_update(actor=actor, device=obj, changes=changes)

    def service_delete(self, *, actor, obj):
        terminals.device_delete(actor=actor, device=obj)

    def response_add(self, request, obj, post_url_continue=None):
        token = getattr(self, "_created_token", None)
        if token:
            self._created_token = None
            self.message_user(
                request,
                _("The terminal's token, shown this once: %(token)s") % {"token": token},
                messages.WARNING,
            )
        return super().response_add(request, obj, post_url_continue)


@admin.register(BiometricConsent)
class BiometricConsentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: consents are recorded and withdrawn through the API (the service deletes
    the templates with a withdrawal)."""

    list_display = ["member", "given_at", "given_by", "text_version", "withdrawn_at"]
    list_filter = ["text_version"]
    search_fields = ["member__first_name", "member__last_name"]


@admin.register(DeviceEvent)
class DeviceEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "device", "type", "member", "result", "reason", "event_id"]
    list_filter = ["result", "type", "reason"]
