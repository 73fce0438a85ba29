from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.admin_mixins import ServiceAdminMixin

from . import services
from .models import PLAN_EDITABLE_FIELDS, ExpiryReminder, Membership, MembershipPause, Payment, Plan


@admin.register(Plan)
class PlanAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Writes go through the services, so the owner's changes are audited like the API's.
    The form has already validated the model's constraints (unique name, price > 0)."""

    list_display = ["name", "gym", "price", "duration_count", "duration_unit", "is_active", "updated_at"]
    list_filter = ["gym", "is_active", "duration_unit"]
    search_fields = ["name", "description"]
    list_select_related = ["gym"]
    service_fields = PLAN_EDITABLE_FIELDS

    def service_create(self, *, actor, form, data):
        return services.plan_create(actor=actor, gym=form.cleaned_data["gym"], **data)

    def service_update(self, *, actor, obj, changes):
        return services.plan_update(actor=actor, plan=obj, changes=changes)

    def service_delete(self, *, actor, obj):
        services.plan_delete(actor=actor, plan=obj)


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
class MembershipAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Read-only: dates, prices and cancellation are kept consistent (stacking, pauses,
    the member's summary) by the API's services, so they are not edited here. A delete
    goes through the service, which moves the stacked periods back and refreshes the
    member's summary."""

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

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request):
        return False

    # Members are locked in id order, then their periods.
    delete_order = ("member_id", "pk")

    def service_delete(self, *, actor, obj):
        services.membership_delete(actor=actor, membership=obj)


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
    """Read-only: the reminder task keeps the delivery state (a row without `sent_at` is
    retried by its next run; `last_error` says why the last attempt failed)."""

    list_display = ["created_at", "kind", "email", "member", "expires_on", "sent_at", "attempts"]
    list_filter = ["kind", "membership__gym", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "membership__member__first_name", "membership__member__last_name"]
    list_select_related = ["membership__member"]
    readonly_fields = ["membership", "kind", "email", "created_at", "sent_at", "claimed_at", "attempts", "last_error"]

    @admin.display(description=_("member"))
    def member(self, obj):
        return obj.membership.member

    @admin.display(description=_("expires on"))
    def expires_on(self, obj):
        return obj.membership.expires_on

    def has_add_permission(self, request):
        return False
