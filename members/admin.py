"""The members' admin: status as the owner means it, the membership in words, and the
member's page with what the apps above contribute (`member_section`).

members sits below billing and attendance, so it shows their memberships, payments and
check-ins without knowing them: their admin modules register a section builder here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, Q, Value, When
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.admin_audit import audit_reference
from gymsite.accounts.admin_mixins import ServiceAdminMixin
from gymsite.accounts.admin_time import EMPTY, GymTimeAdminMixin, short_date
from gymsite.accounts.audit import Actor
from gymsite.accounts.gymtime import per_gym_today_q
from gymsite.accounts.models import Gym
from gymsite.core.csvsafe import csv_streaming_response
from gymsite.core.errors import DomainError

from . import services
from .models import EDITABLE_FIELDS, Member, MemberStatus
from .selectors import (
    MEMBER_EXPORT_COLUMNS,
    member_export_rows,
    member_status_q,
    members_with_status,
)
from .validators import validate_member_photo

audit_reference("member", "members.member")
audit_reference("member_id", "members.member")

# The status column: a member switched off reads "inactive" whatever their membership
# (the door refuses them first); otherwise their membership's status today.
INACTIVE = "inactive"
STATUS_LABELS = {INACTIVE: _("Inactive"), **dict(MemberStatus.choices)}
EXPIRING_DAYS = 7


def status_badge(code: str):
    """A status as a coloured badge: `<span class="member-status status-expired">`."""
    return format_html('<span class="member-status status-{}">{}</span>', code, STATUS_LABELS.get(code, code))


def status_annotation(gyms) -> Case:
    """The status column in SQL: `member_status_q` with each gym's today."""
    return Case(
        When(is_active=False, then=Value(INACTIVE)),
        *(
            When(per_gym_today_q(lambda today, status=status: member_status_q(status, today), gyms=gyms),
                 then=Value(status))
            for status in MemberStatus.values
        ),
        default=Value(MemberStatus.PENDING),
        output_field=CharField(),
    )


# --- the member's page: sections from the apps above -------------------------------------


@dataclass
class MemberSection:
    """A read-only table on a member's page (`id="member-<key>"`)."""

    key: str
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    empty: str = ""
    more_url: str = ""
    more_label: str = ""


def member_rows_url(model, member: Member) -> str:
    """The admin list of `model`'s rows of `member` (its `member` foreign key)."""
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + "?" + urlencode(
        {"member__id__exact": member.pk}
    )


def change_link(obj, text):
    """`text` linked to `obj`'s admin page."""
    opts = obj._meta
    return format_html(
        '<a href="{}">{}</a>', reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]), text
    )


# --- actions on members from the apps above ------------------------------------------------


@dataclass(frozen=True)
class MemberAction:
    """An action of the members list contributed by an app above (billing: renew with a
    plan). `on_page`: also a button on the member's page, which runs it on that member."""

    function: Callable
    on_page: bool = False


MEMBER_ACTIONS: dict[str, MemberAction] = {}


def member_action(*, on_page: bool = False):
    """Register an admin action (an `@admin.action` function) on the members list."""

    def register(function: Callable) -> Callable:
        MEMBER_ACTIONS[function.__name__] = MemberAction(function, on_page)
        return function

    return register


SectionBuilder = Callable[[HttpRequest, Member], MemberSection | None]
MEMBER_SECTIONS: list[tuple[int, str, SectionBuilder]] = []


def member_section(order: int):
    """Register a builder of a section of the member's page (billing: memberships and
    payments; attendance: recent check-ins), shown by `order`."""

    def register(builder: SectionBuilder) -> SectionBuilder:
        MEMBER_SECTIONS[:] = [s for s in MEMBER_SECTIONS if s[1] != builder.__qualname__]
        MEMBER_SECTIONS.append((order, builder.__qualname__, builder))
        MEMBER_SECTIONS.sort(key=lambda section: (section[0], section[1]))
        return builder

    return register


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return MemberStatus.choices

    def queryset(self, request, queryset):
        if self.value() in MemberStatus.values:
            return members_with_status(queryset, self.value())
        return queryset


class PlanFilter(admin.SimpleListFilter):
    """The member's current plan (billing keeps its id and name on the member)."""

    title = _("plan")
    parameter_name = "plan"

    def lookups(self, request, model_admin):
        plans = (
            Member.objects.exclude(current_plan_id=None)
            .order_by("current_plan_name", "current_plan_id")
            .values_list("current_plan_id", "current_plan_name")
            .distinct()
        )
        return [(str(plan_id), name) for plan_id, name in plans]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(current_plan_id=int(value))
        return queryset


class ExpiringFilter(admin.SimpleListFilter):
    """Memberships ending from today through the next seven days, each gym's today."""

    title = _("expiry")
    parameter_name = "expiring"

    def lookups(self, request, model_admin):
        return [("next_7_days", _("In the next 7 days"))]

    def queryset(self, request, queryset):
        if self.value() != "next_7_days":
            return queryset
        return queryset.filter(
            per_gym_today_q(lambda today: Q(expires_on__gte=today, expires_on__lte=today + timedelta(days=EXPIRING_DAYS)))
        )


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
class MemberAdmin(GymTimeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Edits go through the same services as the API (uniqueness, audit). The membership
    summary is billing's and last_visit_at attendance's: read-only here. The list fits a
    laptop's screen: contact details beyond the phone are searched, not shown."""

    form = MemberAdminForm
    service_fields = EDITABLE_FIELDS
    gym_time_fields = ("last_visit_at", "created_at", "updated_at")
    list_display = [
        "name_display",
        "gym",
        "phone",
        "status_display",
        "current_plan_name",
        "expires_on_display",
        "last_visit_at",
    ]
    list_filter = [StatusFilter, PlanFilter, ExpiringFilter, "gym", "is_active", "gender"]
    actions = ["export_csv"]
    search_fields = ["first_name", "last_name", "phone", "document_id", "email"]
    search_help_text = _("Name, phone, document ID or email.")
    list_select_related = ["gym"]
    date_hierarchy = "created_at"
    summary_fields = ["status_display", "current_plan_name", "coverage_display", "membership_since", "pause_display"]
    record_fields = ["last_visit_display", "created_at", "updated_at"]
    readonly_fields = ["photo_display", *summary_fields, *record_fields]
    fieldsets = [
        (None, {"fields": ["gym", "first_name", "last_name", "gender", "birth_date", "is_active"]}),
        (_("Contact"), {"fields": ["email", "phone", "document_id"]}),
        (_("Photo and notes"), {"fields": ["photo_display", "photo", "photo_url", "notes"]}),
        (_("Membership (kept by billing)"), {"fields": summary_fields}),
        (_("Record"), {"fields": record_fields}),
    ]

    def get_queryset(self, request):
        gyms = list(Gym.objects.only("time_zone"))
        return super().get_queryset(request).annotate(admin_status=status_annotation(gyms))

    @admin.display(description=_("name"), ordering="last_name")
    def name_display(self, member: Member) -> str:
        return member.full_name

    @admin.display(description=_("status"), ordering="admin_status")
    def status_display(self, member: Member):
        code = getattr(member, "admin_status", None)
        if code is None:
            code = member.status if member.is_active else INACTIVE
        return status_badge(code)

    @admin.display(description=_("expires on"), ordering="expires_on")
    def expires_on_display(self, member: Member) -> str:
        return short_date(member.expires_on)

    @admin.display(description=_("covered"))
    def coverage_display(self, member: Member) -> str:
        if member.expires_on is None:
            return EMPTY
        return _("%(start)s to %(end)s") % {
            "start": short_date(member.membership_starts_on),
            "end": short_date(member.expires_on),
        }

    @admin.display(description=_("paused"))
    def pause_display(self, member: Member) -> str:
        if member.paused_from is None:
            return EMPTY
        return _("%(start)s to %(end)s") % {"start": short_date(member.paused_from), "end": short_date(member.paused_until)}

    @admin.display(description=_("last visit at"))
    def last_visit_display(self, member: Member):
        return self.gym_time(member, "last_visit_at", format_name="DATETIME_FORMAT")

    @admin.display(description=_("current photo"))
    def photo_display(self, member: Member):
        """The photo itself: an upload through the admin (member photos are not public
        files), else the photo URL given."""
        if member.photo:
            url = reverse("admin:members_member_photo", args=[member.pk])
        elif member.photo_url:
            url = member.photo_url
        else:
            return _("No photo")
        return format_html(
            '<img class="member-photo" src="{}" alt="{}" referrerpolicy="no-referrer" loading="lazy">', url,
            member.full_name,
        )

    def get_urls(self):
        urls = [
            path("<int:object_id>/photo/", self.admin_site.admin_view(self.photo_view), name="members_member_photo"),
        ]
        return urls + super().get_urls()

    def photo_view(self, request, object_id: int):
        """The member's uploaded photo, for staff who may see the member."""
        member = self.get_object(request, str(object_id))
        if member is None or not self.has_view_permission(request, member) or not member.photo:
            raise Http404
        try:
            response = FileResponse(member.photo.open("rb"))
        except OSError:
            raise Http404 from None
        response["X-Content-Type-Options"] = "nosniff"
        return response

    # --- actions ------------------------------------------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        for name, registered in MEMBER_ACTIONS.items():
            actions[name] = self.get_action(registered.function)
        return actions

    @admin.action(description=_("Export the selected members to CSV"))
    def export_csv(self, request, queryset):
        """The same file as the API's export (it imports back), audited the same way."""
        gym_ids = set(queryset.order_by().values_list("gym_id", flat=True).distinct())
        services.member_export_record(
            actor=Actor.from_request(request),
            gym_id=next(iter(gym_ids)) if len(gym_ids) == 1 else None,
            count=queryset.count(),
        )
        name = f"members-{timezone.localdate().isoformat()}.csv"
        return csv_streaming_response(name, MEMBER_EXPORT_COLUMNS, member_export_rows(queryset.order_by("pk")))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["member_page_actions"] = [
                {"name": name, "label": registered.function.short_description}
                for name, registered in MEMBER_ACTIONS.items()
                if registered.on_page and name in self.get_actions(request)
            ]
            # Built here, inside the member's gym time (GymTimeAdminMixin).
            sections = (builder(request, obj) for _order, _name, builder in MEMBER_SECTIONS)
            context["member_sections"] = [section for section in sections if section is not None]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def service_create(self, *, actor, form, data):
        gym = data.pop("gym", None) or form.instance.gym
        return services.member_create(actor=actor, gym=gym, data=data)

    def service_update(self, *, actor, obj, changes):
        if "photo" in changes and not changes["photo"]:
            changes["photo"] = None  # the "clear" box: no photo, as the API's null
        return services.member_update(actor=actor, member=obj, changes=changes)

    def service_delete(self, *, actor, obj):
        services.member_delete(actor=actor, member=obj)
