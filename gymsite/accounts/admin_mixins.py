"""The Django admin writes through the services, like the API (DESIGN.md: every write that
has a rule is a service).

A `ModelAdmin` would save its form straight to the table, past the rules and the audit
log. One that mixes in `ServiceAdminMixin` (before `admin.ModelAdmin`) declares its
service hooks instead, and the mixin does the rest for every app:

    @admin.register(Plan)
    class PlanAdmin(ServiceAdminMixin, admin.ModelAdmin):
        service_fields = services.PLAN_FIELDS

        def service_create(self, *, actor, form, data):
            return services.plan_create(actor=actor, gym=form.cleaned_data["gym"], **data)

        def service_update(self, *, actor, obj, changes):
            return services.plan_update(actor=actor, plan=obj, changes=changes)

        def service_delete(self, *, actor, obj):
            services.plan_delete(actor=actor, plan=obj)

- A new row gets the form's values of `service_fields` (`data`); a changed row only the
  fields the owner changed (`changes`, the services' partial-update dict; nothing changed,
  no call). The actor is the request's user (and address), as in the API's audit rows.
- Deletes, one row or a bulk "delete selected", go through `service_delete`, a bulk one in
  one transaction and in `delete_order` (row locks are taken in id order).
- A service's refusal (`DomainError`: a rule the form cannot see, or a concurrent writer)
  saves nothing: the form comes back with the refusal on its fields, or at the top; a
  refused delete comes back as an error message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse

from gymsite.core.errors import DomainError

from .audit import Actor


class ServiceAdminMixin:
    # The fields the app's services accept (its editable fields).
    service_fields: tuple[str, ...] = ()
    # The order a bulk delete goes in: that of the rows its service locks.
    delete_order: tuple[str, ...] = ("pk",)

    # --- the app's hooks ---------------------------------------------------------------

    def service_create(self, *, actor: Actor, form, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError(f"{type(self).__name__} creates nothing through a service")

    def service_update(
        self, *, actor: Actor, obj: models.Model, changes: dict[str, Any]
    ) -> models.Model:
        raise NotImplementedError(f"{type(self).__name__} changes nothing through a service")

    def service_delete(self, *, actor: Actor, obj: models.Model) -> None:
        raise NotImplementedError(f"{type(self).__name__} deletes nothing through a service")

    # --- saving and deleting -----------------------------------------------------------

    def service_values(self, form, names) -> dict[str, Any]:
        """The form's cleaned values of `names` that are service fields."""
        return {
            name: form.cleaned_data[name]
            for name in names
            if name in self.service_fields and name in form.cleaned_data
        }

    def save_model(self, request, obj, form, change):
        actor = Actor.from_request(request)
        if change:
            changes = self.service_values(form, form.changed_data)
            if not changes:
                return
            saved = self.service_update(actor=actor, obj=obj, changes=changes)
        else:
            data = self.service_values(form, self.service_fields)
            saved = self.service_create(actor=actor, form=form, data=data)
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        # The service saved the row: the form has no many-to-many data of its own to save.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        self.service_delete(actor=Actor.from_request(request), obj=obj)

    def delete_queryset(self, request, queryset):
        actor = Actor.from_request(request)
        with transaction.atomic(using=queryset.db):
            for obj in queryset.order_by(*self.delete_order):
                self.service_delete(actor=actor, obj=obj)

    # --- a service's refusal ----------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as refusal:
            # The view's transaction rolled the write back. Validate the same POST again,
            # with the refusal as the form's errors, so the owner keeps what they typed.
            request.service_refusal = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "service_refusal", None)
        if refusal is None:
            return form_class
        return type(form_class.__name__, (_RefusedForm, form_class), {"refusal": refusal})

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as refusal:
            self.message_user(request, refusal.detail, messages.ERROR)
            opts = self.model._meta
            change_url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[object_id],
                current_app=self.admin_site.name,
            )
            return HttpResponseRedirect(change_url)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except DomainError as refusal:  # from an action such as "delete selected"
            self.message_user(request, refusal.detail, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdminMixin:
    """For rows that only the services write (payments, audit events, terminals' events):
    the owner reads them; no add, change or delete, so a row's page is view-only and shows
    no save buttons."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _RefusedForm:
    """A form that repeats a service's refusal as its errors: on the fields it names,
    otherwise at the top of the form."""

    refusal: DomainError

    def clean(self):
        cleaned = super().clean()
        placed = False
        for name, field_messages in (self.refusal.errors or {}).items():
            if name in self.fields:
                for message in field_messages:
                    self.add_error(name, message)
                placed = True
        if not placed:
            self.add_error(None, str(self.refusal.detail))
        return cleaned
