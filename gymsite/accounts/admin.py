from django import forms
from django.contrib import admin
from django.contrib.auth import password_validation
from django.contrib.auth.forms import ReadOnlyPasswordHashField
from django.utils.translation import gettext_lazy as _

from . import services
from .admin_mixins import ServiceAdminMixin
from .models import GYM_EDITABLE_FIELDS, USER_EDITABLE_FIELDS, APIToken, AuditEvent, Gym, User


@admin.register(Gym)
class GymAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Writes go through the services: audited, and a gym that still has data is not
    deleted (deactivate it instead)."""

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
class UserAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Writes go through the services (audited; the role's gym rule; an admin cannot
    demote or deactivate themselves)."""

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
class APITokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "description", "is_active", "last_used_at", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["description", "user__username", "prefix"]
    readonly_fields = ["prefix", "last_used_at", "created_at", "revoked_at", "user"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        # Tokens are created through the API, where their value is shown once.
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "actor_label", "actor_type", "gym", "target_type", "target_id"]
    list_filter = ["action", "actor_type", "gym"]
    search_fields = ["action", "actor_label", "target_id"]
    date_hierarchy = "at"
    list_select_related = ["gym"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
