from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.admin_mixins import ServiceAdminMixin
from gymsite.core.errors import DomainError

from . import services
from .models import EDITABLE_FIELDS, Member, MemberStatus
from .selectors import members_with_status
from .validators import validate_member_photo


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return MemberStatus.choices

    def queryset(self, request, queryset):
        if self.value() in MemberStatus.values:
            return members_with_status(queryset, self.value())
        return queryset


class MemberAdminForm(forms.ModelForm):
    photo_url = forms.URLField(label=_("photo URL"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Member
        fields = list(EDITABLE_FIELDS)

    def clean(self):
        cleaned = super().clean()
        new_gym = cleaned.get("gym")
        if self.instance.pk and new_gym is not None and new_gym.pk != self.instance.gym_id:
            try:
                services.member_gym_move_check(member=self.instance)
            except DomainError as exc:
                self.add_error("gym", str(exc.detail))
        return cleaned

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and "photo" in self.changed_data:
            try:
                return validate_member_photo(photo)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages, code=exc.code) from None
        return photo


@admin.register(Member)
class MemberAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Edits go through the same services as the API (uniqueness, audit). The membership
    summary is billing's and last_visit_at attendance's: read-only here."""

    form = MemberAdminForm
    service_fields = EDITABLE_FIELDS
    list_display = [
        "full_name",
        "gym",
        "phone",
        "document_id",
        "email",
        "status_display",
        "current_plan_name",
        "expires_on",
        "last_visit_at",
        "is_active",
    ]
    list_filter = [StatusFilter, "gym", "is_active", "gender"]
    search_fields = ["first_name", "last_name", "phone", "document_id", "email"]
    list_select_related = ["gym"]
    date_hierarchy = "created_at"
    readonly_fields = [*services.SUMMARY_FIELDS, "last_visit_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["gym", "first_name", "last_name", "gender", "birth_date", "is_active"]}),
        (_("Contact"), {"fields": ["email", "phone", "document_id"]}),
        (_("Photo and notes"), {"fields": ["photo", "photo_url", "notes"]}),
        (_("Membership (kept by billing)"), {"fields": list(services.SUMMARY_FIELDS)}),
        (_("Record"), {"fields": ["last_visit_at", "created_at", "updated_at"]}),
    ]

    @admin.display(description=_("status"))
    def status_display(self, member: Member) -> str:
        return MemberStatus(member.status).label

    def service_create(self, *, actor, form, data):
        gym = data.pop("gym", None) or form.instance.gym
        return services.member_create(actor=actor, gym=gym, data=data)

    def service_update(self, *, actor, obj, changes):
        if "photo" in changes and not changes["photo"]:
            changes["photo"] = None  # the "clear" box: no photo, as the API's null
        return services.member_update(actor=actor, member=obj, changes=changes)

    def service_delete(self, *, actor, obj):
        services.member_delete(actor=actor, member=obj)
