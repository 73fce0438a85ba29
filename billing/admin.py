from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.html import format_html, strip_tags
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.admin_audit import audit_reference, audit_value_labels
from gymsite.accounts.admin_display import money
from gymsite.accounts.admin_mixins import ReadOnlyAdminMixin, ServiceAdminMixin
from gymsite.accounts.admin_time import EMPTY, GymDayFilter, GymTimeAdminMixin, gym_time, short_date
from gymsite.accounts.audit import Actor
from gymsite.core.errors import DomainError
from members.admin import MemberSection, change_link, member_action, member_rows_url, member_section

from . import services
from .models import (
    PLAN_EDITABLE_FIELDS,
    ExpiryReminder,
    Membership,
    MembershipPause,
    Payment,
    PaymentMethod,
    Plan,
)

audit_reference("membership", "billing.membership")
audit_reference("plan", "billing.plan")
audit_value_labels("method", PaymentMethod.choices)
audit_value_labels("kind", ExpiryReminder.Kind.choices)

# Rows of a member's memberships and payments shown on the member's page.
MEMBER_PAGE_ROWS = 10


@admin.register(Plan)
class PlanAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Writes go through the services, so the owner's changes are audited like the API's.
    The form has already validated the model's constraints (unique name, price > 0)."""

    gym_time_fields = ("updated_at",)
    list_display = ["name", "gym", "price_display", "duration_count", "duration_unit", "is_active", "updated_at"]
    list_filter = ["gym", "is_active", "duration_unit"]
    search_fields = ["name", "description"]
    list_select_related = ["gym"]
    service_fields = PLAN_EDITABLE_FIELDS

    @admin.display(description=_("price"), ordering="price")
    def price_display(self, plan: Plan):
        return money(plan.price, plan.gym.currency)

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
class MembershipAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Read-only: dates, prices and cancellation are kept consistent (stacking, pauses,
    the member's summary) by the API's services, so they are not edited here. A delete
    goes through the service, which moves the stacked periods back and refreshes the
    member's summary."""

    list_display = [
        "member", "plan", "gym", "starts_on_display", "expires_on_display", "price_display", "is_active", "created_by",
    ]
    list_filter = ["gym", "is_active", "plan"]
    search_fields = ["member__first_name", "member__last_name", "member__document_id", "member__phone"]
    date_hierarchy = "starts_on"
    list_select_related = ["member", "plan", "gym", "created_by"]
    readonly_fields = [
        "member", "gym", "plan", "price_display", "starts_on", "expires_on", "created_by", "created_at", "updated_at",
    ]
    fields = [*readonly_fields, "is_active"]
    inlines = [PauseInline]

    @admin.display(description=_("starts on"), ordering="starts_on")
    def starts_on_display(self, membership: Membership) -> str:
        return short_date(membership.starts_on)

    @admin.display(description=_("expires on"), ordering="expires_on")
    def expires_on_display(self, membership: Membership) -> str:
        return short_date(membership.expires_on)

    @admin.display(description=_("purchased price"), ordering="purchased_price")
    def price_display(self, membership: Membership):
        return money(membership.purchased_price, membership.gym.currency)

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request):
        return False

    # Members are locked in id order, then their periods.
    delete_order = ("member_id", "pk")

    def service_delete(self, *, actor, obj):
        services.membership_delete(actor=actor, membership=obj)


def void_badge(payment: Payment):
    return format_html('<span class="payment-void">{}</span>', _("Void")) if payment.is_void else ""


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, GymTimeAdminMixin, admin.ModelAdmin):
    """Payments are never edited: a read-only page with no save buttons (void through the
    API). Amounts in the gym's currency, times in its zone; "void" only where one is."""

    gym_time_fields = ("paid_at",)
    list_display = ["paid_at", "member_name", "amount_display", "method", "gym", "recorded_by", "void_display"]
    list_filter = [("paid_at", GymDayFilter), "gym", "method", "is_void"]
    search_fields = ["member_name", "notes", "void_reason"]
    date_hierarchy = "paid_at"
    list_select_related = ["gym", "recorded_by"]
    paid_fields = ["paid_at_display", "member", "member_name", "membership", "amount_display", "method", "gym",
                   "recorded_by", "notes"]
    void_fields = ["void_display", "void_reason", "voided_at_display", "voided_by"]
    readonly_fields = [*paid_fields, *void_fields]

    def get_fields(self, request, obj=None):
        return [*self.paid_fields, *self.void_fields] if obj is not None and obj.is_void else self.paid_fields

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, payment: Payment):
        return money(payment.amount, payment.gym.currency)

    @admin.display(description=_("void"), ordering="is_void", empty_value="")
    def void_display(self, payment: Payment):
        return void_badge(payment)

    @admin.display(description=_("paid at"))
    def paid_at_display(self, payment: Payment):
        return self.gym_time(payment, "paid_at", format_name="DATETIME_FORMAT")

    @admin.display(description=_("voided at"))
    def voided_at_display(self, payment: Payment):
        return self.gym_time(payment, "voided_at", format_name="DATETIME_FORMAT")



@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(GymTimeAdminMixin, admin.ModelAdmin):
    """Read-only: the reminder task keeps the delivery state (a row without `sent_at` is
    retried by its next run; `last_error` says why the last attempt failed)."""

    gym_field = "membership__gym"
    gym_column = None
    gym_time_fields = ("created_at", "sent_at")
    list_display = ["created_at", "kind", "email", "member", "expires_on", "sent_at", "attempts"]
    list_filter = ["kind", "membership__gym", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "membership__member__first_name", "membership__member__last_name"]
    list_select_related = ["membership__member", "membership__gym"]
    readonly_fields = ["membership", "kind", "email", "created_at", "sent_at", "claimed_at", "attempts", "last_error"]

    @admin.display(description=_("member"))
    def member(self, obj):
        return obj.membership.member

    @admin.display(description=_("expires on"))
    def expires_on(self, obj):
        return short_date(obj.membership.expires_on)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the task's record: nothing to save


# --- the member's page ------------------------------------------------------------------


@member_section(order=10)
def memberships_section(request, member) -> MemberSection:
    memberships = list(
        Membership.objects.filter(member=member).select_related("plan", "gym").order_by("-starts_on", "-id")[
            :MEMBER_PAGE_ROWS
        ]
    )
    return MemberSection(
        key="memberships",
        title=_("Memberships"),
        columns=[_("plan"), _("starts on"), _("expires on"), _("purchased price"), _("active")],
        rows=[
            [
                change_link(m, m.plan.name),
                short_date(m.starts_on),
                short_date(m.expires_on),
                money(m.purchased_price, m.gym.currency),
                _("Yes") if m.is_active else _("No"),
            ]
            for m in memberships
        ],
        empty=_("No memberships yet."),
        more_url=member_rows_url(Membership, member),
        more_label=_("All of this member's memberships"),
    )


@member_section(order=20)
def payments_section(request, member) -> MemberSection:
    payments = list(Payment.objects.filter(member=member).select_related("gym").order_by("-paid_at", "-id")[
        :MEMBER_PAGE_ROWS
    ])
    return MemberSection(
        key="payments",
        title=_("Payments"),
        columns=[_("paid at"), _("amount"), _("method"), _("void")],
        rows=[
            [change_link(p, gym_time(p.paid_at, p.gym)), money(p.amount, p.gym.currency), p.get_method_display(),
             void_badge(p) or EMPTY]
            for p in payments
        ],
        empty=_("No payments yet."),
        more_url=member_rows_url(Payment, member),
        more_label=_("All of this member's payments"),
    )


# --- renewing from the members list (and a member's page) ----------------------------------


class RenewForm(forms.Form):
    """The renewal the front desk makes (POST /members/{id}/renew): a plan of the members'
    gym, how it was paid and, when not the plan's price, the amount."""

    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.none())
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=12, decimal_places=2, min_value=0, required=False,
        help_text=_("Leave empty to charge the plan's price."),
    )

    def __init__(self, *args, gym, current_plan_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        plans = self.fields["plan"]
        plans.queryset = Plan.objects.filter(gym=gym, is_active=True).order_by("name", "id")
        # "Mensual — $500.00 MXN": the price the renewal charges unless an amount is given.
        plans.label_from_instance = lambda plan: f"{plan.name} — {strip_tags(money(plan.price, gym.currency))}"
        plans.initial = current_plan_id


def _back(request):
    """Where the owner came from: the member's page (its button) or the list."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return HttpResponseRedirect(target)
    return None


@member_action(on_page=True)
@admin.action(description=_("Renew with a plan"))
def renew_with_plan(modeladmin, request, queryset):
    """Renew the selected members with one plan, each through `membership_renew` (the
    API's service: stacked after the current period, paid, audited), all or none."""
    members = list(queryset.select_related("gym").order_by("pk"))
    gyms = {member.gym_id for member in members}
    if len(gyms) != 1:
        modeladmin.message_user(request, _("Choose members of one gym to renew them together."), messages.ERROR)
        return _back(request)
    gym = members[0].gym
    current_plans = {member.current_plan_id for member in members}
    form = RenewForm(
        request.POST if "apply" in request.POST else None,
        gym=gym,
        current_plan_id=next(iter(current_plans)) if len(current_plans) == 1 else None,
    )
    if form.is_valid():
        actor = Actor.from_request(request)
        plan, amount = form.cleaned_data["plan"], form.cleaned_data["amount"]
        try:
            with transaction.atomic():
                renewed = [
                    services.membership_renew(
                        actor=actor, member=member, plan_id=plan.pk, amount=amount, method=form.cleaned_data["method"]
                    )
                    for member in members
                ]
        except DomainError as refusal:
            form.add_error(None, refusal.detail)
        else:
            if len(renewed) == 1:
                message = _("%(name)s renewed with %(plan)s: covered until %(date)s.") % {
                    "name": renewed[0].member.full_name, "plan": plan.name,
                    "date": short_date(renewed[0].member.expires_on),
                }
            else:
                message = _("Members renewed with %(plan)s: %(count)d.") % {"count": len(renewed), "plan": plan.name}
            modeladmin.message_user(request, message, messages.SUCCESS)
            return _back(request)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Renew with a plan"),
        "opts": modeladmin.model._meta,
        "form": form,
        "gym": gym,
        "members": members,
        "currency": gym.currency,
        "has_plans": form.fields["plan"].queryset.exists(),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "next": request.POST.get("next", ""),
        "media": modeladmin.media,
    }
    return TemplateResponse(request, "admin/billing/renew_members.html", context)
