from django.contrib import admin

from gymsite.accounts.audit import Actor

from . import services
from .models import Attendance


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # Notes are the one editable field; the service audits the change.
        if "notes" in form.changed_data:
            services.attendance_update(
                attendance=obj, actor=Actor.from_request(request), data={"notes": form.cleaned_data["notes"]}
            )

    def delete_model(self, request, obj):
        services.attendance_delete(attendance=obj, actor=Actor.from_request(request))

    def delete_queryset(self, request, queryset):
        actor = Actor.from_request(request)
        # Members locked in id order, as every multi-row lock is taken.
        for obj in queryset.order_by("member_id", "pk"):
            services.attendance_delete(attendance=obj, actor=actor)
