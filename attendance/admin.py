from django.contrib import admin

from gymsite.accounts.admin_mixins import ServiceAdminMixin

from . import services
from .models import Attendance


@admin.register(Attendance)
class AttendanceAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Owners read check-ins here; times are corrected through the API (or its services),
    which keep the gym-local date, the one-visit-a-day rule and the member's last visit
    in step, so the admin edits notes only and deletes through the service."""

    list_display = [
        "check_in_at",
        "member",
        "gym",
        "result",
        "reason",
        "source",
        "check_out_at",
        "recorded_by",
        "device_label",
    ]
    list_filter = ["result", "source", "reason", "gym", ("local_date", admin.DateFieldListFilter)]
    search_fields = [
        "member__first_name",
        "member__last_name",
        "member__document_id",
        "member__phone",
        "member__email",
    ]
    list_select_related = ["member", "gym", "recorded_by"]
    date_hierarchy = "local_date"
    ordering = ["-check_in_at", "-id"]
    readonly_fields = [
        "member",
        "gym",
        "check_in_at",
        "check_out_at",
        "local_date",
        "result",
        "reason",
        "source",
        "recorded_by",
        "device_label",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields[:10], "notes", "created_at", "updated_at"]
    show_full_result_count = False
    service_fields = services.EDITABLE_FIELDS
    delete_order = ("member_id", "pk")  # members locked in id order, as every multi-row lock

    def has_add_permission(self, request):
        return False

    def service_update(self, *, actor, obj, changes):
        # Notes are the one field of the form; the service audits the change.
        return services.attendance_update(actor=actor, attendance=obj, changes=changes)

    def service_delete(self, *, actor, obj):
        services.attendance_delete(actor=actor, attendance=obj)
