from django import forms
from django.contrib import admin
from django.contrib.auth import password_validation
from django.contrib.auth.forms import ReadOnlyPasswordHashField
from django.utils.translation import gettext_lazy as _

from . import services
from .admin_audit import audit_value_labels, data_display, load_targets, target_display
from .admin_mixins import ReadOnlyAdminMixin, ServiceAdminMixin
from .admin_time import GymDayFilter, GymTimeAdminMixin
from .audit_labels import action_label
from .models import GYM_EDITABLE_FIELDS, USER_EDITABLE_FIELDS, APIToken, AuditEvent, Gym, User
from .roles import Role

audit_value_labels("role", Role.choices)


@admin.register(Gym)
class GymAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Writes go through the services: audited, and a gym that still has data is not
    deleted (deactivate it instead)."""

    gym_field = ""  # a gym's times are in its own zone
    gym_time_fields = ("created_at",)
    list_display = ["name", "time_zone", "currency", "is_active", "created_at"]
    list_filter = ["is_active", "currency", "time_zone"]
    search_fields = ["name", "address"]
    fields = list(GYM_EDITABLE_FIELDS)
    service_fields = GYM_EDITABLE_FIELDS

    def service_create(self, *, actor, form, data):
        return services.gym_create(actor=actor, **data)

    def service_update(self, *, actor, obj, changes):
        return services.gym_update(actor=actor, gym=obj, changes=changes)

    def service_delete(self, *, actor, obj):
        services.gym_delete(actor=actor, gym=obj)


USER_FORM_FIELDS = ["username", "email", "full_name", "role", "gym", "document_id", "phone", "is_active"]


class UserCreationForm(forms.ModelForm):
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)

    class Meta:
        model = User
        fields = USER_FORM_FIELDS

    def clean_password1(self):
        password = self.cleaned_data["password1"]
        password_validation.validate_password(password)
        return password


class UserChangeForm(forms.ModelForm):
    password = ReadOnlyPasswordHashField(label=_("Password"))

    class Meta:
        model = User
        fields = ["password", *USER_FORM_FIELDS]


@admin.register(User)
class UserAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Writes go through the services (audited; the role's gym rule; an admin cannot
    demote or deactivate themselves). Times in the user's gym zone (an admin of no gym:
    the page's)."""

    gym_time_fields = ("last_login",)
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ["username", "email", "full_name", "role", "gym", "is_active", "last_login"]
    list_filter = ["role", "gym", "is_active"]
    search_fields = ["username", "email", "full_name", "document_id", "phone"]
    list_select_related = ["gym"]
    readonly_fields = ["last_login", "created_at", "updated_at"]

    service_fields = (*USER_EDITABLE_FIELDS, "is_active")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def service_create(self, *, actor, form, data):
        return services.user_create(actor=actor, password=form.cleaned_data["password1"], **data)

    def service_update(self, *, actor, obj, changes):
        if "is_active" in changes:
            obj = services.user_set_active(actor=actor, user=obj, active=changes.pop("is_active"))
        if changes:
            obj = services.user_update(actor=actor, user=obj, changes=changes)
        return obj

    def service_delete(self, *, actor, obj):
        # No rule to keep: the user's tokens go with them, and the rows they recorded
        # keep their audit events' label (SET_NULL).
        obj.delete()


@admin.register(APIToken)
class APITokenAdmin(GymTimeAdminMixin, admin.ModelAdmin):
    gym_field = "user__gym"
    gym_time_fields = ("last_used_at", "created_at")
    list_display = ["prefix", "user", "description", "is_active", "last_used_at", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["description", "user__username", "prefix"]
    readonly_fields = ["prefix", "last_used_at", "created_at", "revoked_at", "user"]
    list_select_related = ["user__gym"]

    def has_add_permission(self, request):
        # Tokens are created through the API, where their value is shown once.
        return False


class ActionFilter(admin.SimpleListFilter):
    """The actions recorded, by their labels."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        codes = AuditEvent.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(((code, action_label(code)) for code in codes), key=lambda choice: str(choice[1]))

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, GymTimeAdminMixin, admin.ModelAdmin):
    """Read-only. What happened in the owner's words (`admin_audit`): the action's label,
    the target by name and linked, the data as labelled fields; times in the event's gym
    zone (events of no gym: the page's)."""

    gym_time_fields = ("at",)
    list_display = ["at", "action_display", "actor_label", "gym", "target_display"]
    list_filter = [ActionFilter, ("at", GymDayFilter), "actor_type", "gym"]
    search_fields = ["action", "actor_label", "target_id"]
    date_hierarchy = "at"
    list_select_related = ["gym"]
    fields = ["at", "action_display", "actor_display", "gym", "target_display", "data_display", "ip"]
    readonly_fields = fields

    @admin.display(description=_("action"), ordering="action")
    def action_display(self, event: AuditEvent):
        return action_label(event.action)

    @admin.display(description=_("actor"))
    def actor_display(self, event: AuditEvent):
        return f"{event.actor_label} ({event.get_actor_type_display()})" if event.actor_label else (
            event.get_actor_type_display()
        )

    @admin.display(description=_("changed row"))
    def target_display(self, event: AuditEvent):
        return target_display(event)

    @admin.display(description=_("details"))
    def data_display(self, event: AuditEvent):
        return data_display(event)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        load_targets(changelist.result_list)  # one query per kind of target on the page
        return changelist

