from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ExpiryReminder, Membership, MembershipPause, Payment, Plan


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "gym", "price", "duration_count", "duration_unit", "is_active", "updated_at"]
    list_filter = ["gym", "is_active", "duration_unit"]
    search_fields = ["name", "description"]
    list_select_related = ["gym"]


class PauseInline(admin.TabularInline):
    model = MembershipPause
    extra = 0
    fields = ["paused_from", "paused_until", "reason", "resumed_on", "created_by", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Pauses move the expiry of the stacked periods: use the API's pause/resume.
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Read-mostly: dates and prices are kept consistent (stacking, pauses, the member's
    summary) by the API's services, so they are not edited here."""

    list_display = ["member", "plan", "gym", "starts_on", "expires_on", "purchased_price", "is_active", "created_by"]
    list_filter = ["gym", "is_active", "plan"]
    search_fields = ["member__first_name", "member__last_name", "member__document_id", "member__phone"]
    date_hierarchy = "starts_on"
    list_select_related = ["member", "plan", "gym", "created_by"]
    readonly_fields = [
        "member", "gym", "plan", "purchased_price", "starts_on", "expires_on", "created_by", "created_at", "updated_at",
    ]
    fields = [*readonly_fields, "is_active"]
    inlines = [PauseInline]

    def has_add_permission(self, request):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Payments are never edited: every field is read-only (void through the API)."""

    list_display = ["paid_at", "member_name", "amount", "method", "gym", "recorded_by", "is_void"]
    list_filter = ["gym", "method", "is_void"]
    search_fields = ["member_name", "notes", "void_reason"]
    date_hierarchy = "paid_at"
    list_select_related = ["gym", "recorded_by"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "kind", "email", "member", "expires_on"]
    list_filter = ["kind", "membership__gym"]
    search_fields = ["email", "membership__member__first_name", "membership__member__last_name"]
    list_select_related = ["membership__member"]
    readonly_fields = ["membership", "kind", "email", "sent_at"]

    @admin.display(description=_("member"))
    def member(self, obj):
        return obj.membership.member

    @admin.display(description=_("expires on"))
    def expires_on(self, obj):
        return obj.membership.expires_on

    def has_add_permission(self, request):
        return False
