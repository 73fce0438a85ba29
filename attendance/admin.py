from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.admin_audit import audit_value_labels
from gymsite.accounts.admin_mixins import ServiceAdminMixin
from gymsite.accounts.admin_time import EMPTY, GymDayFilter, GymTimeAdminMixin, gym_time
from members.admin import MemberSection, change_link, member_rows_url, member_section

from . import services
from .models import Attendance, AttendanceResult, AttendanceSource, DenialReason

audit_value_labels("result", AttendanceResult.choices)
audit_value_labels("source", AttendanceSource.choices)
audit_value_labels("reason", DenialReason.choices)

# Check-ins shown on a member's page, newest first.
MEMBER_PAGE_ROWS = 10


@admin.register(Attendance)
class AttendanceAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Owners read check-ins here; times are corrected through the API (or its services),
    which keep the gym-local date, the one-visit-a-day rule and the member's last visit
    in step, so the admin edits notes only and deletes through the service.

    Times show in the visit's gym zone and the drill-down goes by `local_date`, the day
    of the visit in that same zone: a visit is filed under the day its time shows."""

    gym_time_fields = ("check_in_at", "check_out_at")
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
    list_filter = ["result", "source", "reason", "gym", ("local_date", GymDayFilter)]
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


@member_section(order=30)
def check_ins_section(request, member) -> MemberSection:
    visits = list(
        Attendance.objects.filter(member=member).select_related("gym").order_by("-check_in_at", "-id")[
            :MEMBER_PAGE_ROWS
        ]
    )
    return MemberSection(
        key="check-ins",
        title=_("Recent check-ins"),
        columns=[_("checked in at"), _("checked out at"), _("result"), _("source")],
        rows=[
            [
                change_link(visit, gym_time(visit.check_in_at, visit.gym)),
                gym_time(visit.check_out_at, visit.gym) if visit.check_out_at else EMPTY,
                visit.get_result_display() + (f" ({visit.get_reason_display()})" if visit.reason else ""),
                visit.get_source_display(),
            ]
            for visit in visits
        ],
        empty=_("No check-ins yet."),
        more_url=member_rows_url(Attendance, member),
        more_label=_("All of this member's check-ins"),
    )
