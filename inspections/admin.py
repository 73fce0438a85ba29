"""The owner's view of the inspections. Templates are written through the services (audited,
versioned, max_score kept); inspections and their answers are read here (made and completed
by mechanics through the API), and deactivated through the service."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gymsite.accounts.admin_audit import audit_value_labels
from gymsite.accounts.admin_mixins import ReadOnlyAdminMixin, ServiceAdminMixin
from gymsite.accounts.admin_time import GymTimeAdminMixin
from gymsite.accounts.audit import Actor

from . import services
from .models import (
    CHECKLIST_EDITABLE_FIELDS,
    QUESTION_EDITABLE_FIELDS,
    AiMode,
    Answer,
    Checklist,
    Inspection,
    InspectionStatus,
    Question,
)

audit_value_labels("ai_mode", AiMode.choices)
audit_value_labels("previous_status", InspectionStatus.choices)


class QuestionInline(admin.TabularInline):
    """The template's questions, read here; each is edited on its own page (a service
    keeps the version and the maximum score)."""

    model = Question
    extra = 0
    fields = ["order", "section", "text", "type", "points", "required"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ChecklistAdminForm(forms.ModelForm):
    logo_url = forms.URLField(label=_("logo URL"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Checklist
        fields = list(CHECKLIST_EDITABLE_FIELDS)


@admin.register(Checklist)
class ChecklistAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    gym_time_fields = ("updated_at",)
    form = ChecklistAdminForm
    list_display = ["name", "gym", "ai_mode", "scoring_enabled", "max_score", "version", "is_active", "updated_at"]
    list_filter = ["is_active", "ai_mode", "gym"]
    search_fields = ["name", "description"]
    list_select_related = ["gym"]
    fields = [*CHECKLIST_EDITABLE_FIELDS, "max_score", "version", "created_by"]
    readonly_fields = ["max_score", "version", "created_by"]
    service_fields = CHECKLIST_EDITABLE_FIELDS
    inlines = [QuestionInline]
    actions = ["deactivate"]

    def has_delete_permission(self, request, obj=None):
        # Inspections keep their template: deactivate it instead.
        return False

    def service_create(self, *, actor, form, data):
        return services.checklist_create(actor=actor, **data)

    def service_update(self, *, actor, obj, changes):
        return services.checklist_update(actor=actor, checklist=obj, changes=changes)

    @admin.action(description=_("Deactivate the selected checklists"))
    def deactivate(self, request, queryset):
        actor = Actor.from_request(request)
        for checklist in queryset.order_by("pk"):
            services.checklist_deactivate(actor=actor, checklist=checklist)
        self.message_user(request, _("Checklists deactivated."), messages.SUCCESS)


@admin.register(Question)
class QuestionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["text", "checklist", "section", "type", "points", "order", "required"]
    list_filter = ["type", "checklist"]
    search_fields = ["text", "section", "checklist__name"]
    list_select_related = ["checklist"]
    fields = ["checklist", *QUESTION_EDITABLE_FIELDS]
    service_fields = QUESTION_EDITABLE_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return ["checklist"] if obj is not None else []

    def service_create(self, *, actor, form, data):
        return services.question_create(actor=actor, checklist=form.cleaned_data["checklist"], **data)

    def service_update(self, *, actor, obj, changes):
        return services.question_update(actor=actor, question=obj, changes=changes)

    def service_delete(self, *, actor, obj):
        services.question_delete(actor=actor, question=obj)


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["section", "question_text", "answer_value", "answer_text", "points_earned", "max_points", "is_flagged", "comments"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdminMixin, GymTimeAdminMixin, admin.ModelAdmin):
    gym_time_fields = ("started_at", "completed_at")
    list_display = ["id", "started_at", "gym", "checklist_name", "subject_display", "mechanic", "status", "score", "max_score", "percentage", "flagged_items_count", "completed_at"]
    list_filter = ["status", "gym", "checklist"]
    search_fields = ["vehicle_plate", "asset", "client_name", "or_number", "mechanic__username", "mechanic__full_name"]
    list_select_related = ["gym", "mechanic"]
    date_hierarchy = "local_date"
    fields = [
        "checklist", "checklist_name", "checklist_version", "gym", "mechanic", "status",
        "or_number", "vehicle_plate", "vehicle_brand", "vehicle_model", "vehicle_km", "client_name", "asset",
        "score", "max_score", "percentage", "flagged_items_count", "started_at", "completed_at", "deactivated_at",
    ]
    readonly_fields = fields
    inlines = [AnswerInline]
    actions = ["deactivate"]

    @admin.display(description=_("vehicle or asset"))
    def subject_display(self, inspection: Inspection):
        return inspection.subject

    def get_actions(self, request):
        # ReadOnlyAdminMixin hides "delete selected"; deactivating is this page's one write.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Deactivate the selected inspections"))
    def deactivate(self, request, queryset):
        actor = Actor.from_request(request)
        count = 0
        for inspection in queryset.order_by("pk"):
            services.inspection_deactivate(actor=actor, inspection=inspection)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d inspection deactivated.", "%(count)d inspections deactivated.", count) % {"count": count},
            messages.SUCCESS,
        )
