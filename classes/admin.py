"""The owner's pages for classes. Every write goes through the services (audited, with
their rules): class types, rules (moving booked sessions needs the API's confirm, so here
a rule edit that would move or cancel booked sessions comes back refused), one-off
sessions and their cancellation (an admin action), the booking policy, calendar feeds
(revoked by an action). Bookings are read here: they are made at the desk or by apps."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gymsite.accounts.admin_audit import audit_value_labels
from gymsite.accounts.admin_mixins import ReadOnlyAdminMixin, ServiceAdminMixin
from gymsite.accounts.admin_time import GymTimeAdminMixin
from gymsite.accounts.audit import Actor
from gymsite.core.errors import DomainError

from . import services
from .models import (
    CLASS_TYPE_EDITABLE_FIELDS,
    RULE_EDITABLE_FIELDS,
    Booking,
    BookingStatus,
    ClassPolicy,
    ClassSession,
    ClassType,
    FeedToken,
    ScheduleRule,
    SessionStatus,
)
from .services.schedule import POLICY_FIELDS

audit_value_labels("status", BookingStatus.choices)
audit_value_labels("status", SessionStatus.choices)


@admin.register(ClassType)
class ClassTypeAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    gym_time_fields = ("updated_at",)
    list_display = ["name", "gym", "default_duration_minutes", "default_capacity", "colour", "is_active"]
    list_filter = ["gym", "is_active"]
    search_fields = ["name"]
    list_select_related = ["gym"]
    fields = ["gym", *CLASS_TYPE_EDITABLE_FIELDS]
    service_fields = CLASS_TYPE_EDITABLE_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return ["gym"] if obj is not None else []

    def service_create(self, *, actor, form, data):
        return services.class_type_create(actor=actor, gym=form.cleaned_data["gym"], **data)

    def service_update(self, *, actor, obj, changes):
        return services.class_type_update(actor=actor, class_type=obj, changes=changes)

    def service_delete(self, *, actor, obj):
        services.class_type_delete(actor=actor, class_type=obj)


@admin.register(ScheduleRule)
class ScheduleRuleAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    gym_time_fields = ("updated_at",)
    list_display = ["class_type", "gym", "weekday", "start_time", "duration_minutes", "capacity", "instructor", "room", "valid_from", "valid_until"]
    list_filter = ["gym", "weekday", "class_type"]
    list_select_related = ["gym", "class_type", "instructor"]
    fields = ["gym", *RULE_EDITABLE_FIELDS]
    service_fields = RULE_EDITABLE_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return ["gym"] if obj is not None else []

    def service_create(self, *, actor, form, data):
        return services.schedule_rule_create(actor=actor, gym=form.cleaned_data["gym"], **data)

    def service_update(self, *, actor, obj, changes):
        return services.schedule_rule_update(actor=actor, rule=obj, changes=changes).rule

    def service_delete(self, *, actor, obj):
        services.schedule_rule_delete(actor=actor, rule=obj)


class BookingInline(admin.TabularInline):
    model = Booking
    extra = 0
    fields = ["member", "status", "waitlist_position", "created_at", "attended_at", "cancelled_at"]
    readonly_fields = fields
    can_delete = False
    ordering = ["waitlist_position", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description=_("Cancel the selected sessions (members are emailed)"))
def cancel_sessions(modeladmin, request, queryset):
    done = 0
    for session in queryset.order_by("pk"):
        try:
            services.class_session_cancel(
                actor=Actor.from_request(request), session=session, reason=str(_("Cancelled by the gym."))
            )
            done += 1
        except DomainError as error:
            modeladmin.message_user(request, f"{session}: {error.detail}", messages.ERROR)
    if done:
        modeladmin.message_user(
            request, ngettext("%(count)d session cancelled.", "%(count)d sessions cancelled.", done) % {"count": done}
        )


@admin.register(ClassSession)
class ClassSessionAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Sessions come from the rules (or the API's one-off sessions); here the owner reads
    them with their bookings, changes capacity, instructor and room, and cancels them."""

    gym_time_fields = ("starts_at",)
    list_display = ["starts_at", "class_type", "gym", "instructor", "room", "capacity", "status"]
    list_filter = ["gym", "status", "class_type"]
    list_select_related = ["gym", "class_type", "instructor"]
    date_hierarchy = "local_date"
    fields = ["gym", "class_type", "rule", "starts_at", "ends_at", "capacity", "instructor", "room", "status", "cancel_reason"]
    service_fields = ("capacity", "instructor", "room")
    inlines = [BookingInline]
    actions = [cancel_sessions]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["gym", "class_type", "rule", "starts_at", "ends_at", "status", "cancel_reason"]

    def service_update(self, *, actor, obj, changes):
        return services.class_session_update(actor=actor, session=obj, changes=changes)


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdminMixin, GymTimeAdminMixin, admin.ModelAdmin):
    gym_field = "session__gym"
    gym_column = None
    gym_time_fields = ("created_at",)
    list_display = ["created_at", "session", "member", "status", "waitlist_position", "created_by"]
    list_filter = ["status", "session__gym"]
    search_fields = ["member__first_name", "member__last_name"]
    list_select_related = ["session__class_type", "member", "created_by"]
    fields = [
        "session",
        "member",
        "status",
        "waitlist_position",
        "created_by",
        "created_by_token",
        "created_at",
        "promoted_at",
        "cancelled_at",
        "cancel_reason",
        "attended_at",
        "attendance",
    ]
    readonly_fields = fields


@admin.register(ClassPolicy)
class ClassPolicyAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["gym", *POLICY_FIELDS]
    fields = ["gym", *POLICY_FIELDS]
    service_fields = POLICY_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return ["gym"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def service_create(self, *, actor, form, data):
        return services.class_policy_save(actor=actor, gym=form.cleaned_data["gym"], changes=data)

    def service_update(self, *, actor, obj, changes):
        return services.class_policy_save(actor=actor, gym=obj.gym, changes=changes)


@admin.action(description=_("Revoke the selected calendar feeds"))
def revoke_feeds(modeladmin, request, queryset):
    for feed in queryset.filter(revoked_at__isnull=True).order_by("pk"):
        services.feed_token_revoke(actor=Actor.from_request(request), feed=feed)


@admin.register(FeedToken)
class FeedTokenAdmin(ReadOnlyAdminMixin, GymTimeAdminMixin, admin.ModelAdmin):
    """Feeds are made through the API (the token is shown once there); revoked here."""

    gym_time_fields = ("created_at",)
    list_display = ["prefix", "gym", "instructor", "description", "created_at", "revoked_at", "last_used_at"]
    list_filter = ["gym"]
    list_select_related = ["gym", "instructor"]
    fields = ["gym", "instructor", "description", "prefix", "created_by", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = fields
    actions = [revoke_feeds]

    def has_change_permission(self, request, obj=None):
        # The change list's actions need it; the form stays read-only (readonly_fields).
        return bool(request.user.is_active and request.user.is_admin)
