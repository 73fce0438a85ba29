"""The admin site of gymsite: gym work first, the technical sections under "System", and
every page in gym time (`admin_time`).

Installed in place of `django.contrib.admin` (settings: `admin_apps.GymAdminConfig`), so
`admin.site` is a `GymAdminSite` and every app registers on it as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from .admin_time import admin_clock, render_now, zone_label

# Apps whose sections are for whoever runs the servers, not for the gym's work: shown
# last, under one "System" heading (periodic tasks stay reachable there: backups and
# reminders are scheduled in them).
SYSTEM_APPS = ("django_celery_beat", "token_blacklist", "auth")
# The order of the System section's rows; the rest follow by name.
SYSTEM_MODELS_FIRST = ("PeriodicTask", "CrontabSchedule", "IntervalSchedule", "ClockedSchedule", "SolarSchedule")

# Labels of third-party apps that their own catalogues leave in English. Named here so
# that `make messages` puts them in ours, which Django reads first (LOCALE_PATHS).
THIRD_PARTY_LABELS = (
    gettext_noop("Token Blacklist"),
    gettext_noop("Outstanding Token"),
    gettext_noop("Outstanding Tokens"),
    gettext_noop("Blacklisted Token"),
    gettext_noop("Blacklisted Tokens"),
    gettext_noop("Schedule"),
    gettext_noop("Arguments"),
    gettext_noop("Execution Options"),
)

# Labels those apps leave untranslatable (plain strings, or none): (app label, model,
# attribute, label). A field's `verbose_name` is only read for display (migrations
# read the argument the field was built with), so relabelling it changes no migration.
THIRD_PARTY_RELABELS = (
    ("token_blacklist", "OutstandingToken", "id", _("ID")),
    ("token_blacklist", "OutstandingToken", "jti", _("jti")),
    ("token_blacklist", "OutstandingToken", "token", _("token")),
    ("token_blacklist", "OutstandingToken", "user", _("user")),
    ("token_blacklist", "OutstandingToken", "created_at", _("created at")),
    ("token_blacklist", "OutstandingToken", "expires_at", _("expires at")),
    ("token_blacklist", "BlacklistedToken", "id", _("ID")),
    ("token_blacklist", "BlacklistedToken", "token", _("token")),
    ("token_blacklist", "BlacklistedToken", "blacklisted_at", _("blacklisted at")),
    ("django_celery_beat", "PeriodicTask", "task", _("task name")),
    ("django_celery_beat", "PeriodicTask", "scheduler", _("schedule")),
    ("django_celery_beat", "CrontabSchedule", "human_readable", _("in words")),
)


def relabel_third_party(site: AdminSite) -> None:
    """Give the third-party labels the admin shows a translatable text (see above)."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    for app_label, model_name, name, label in THIRD_PARTY_RELABELS:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        try:
            model._meta.get_field(name).verbose_name = label
        except FieldDoesNotExist:
            getattr(model, name).fget.short_description = label  # a property
    from django_celery_beat.models import PeriodicTask

    model_admin = site._registry.get(PeriodicTask)
    if model_admin is not None:
        type(model_admin).crontab_translation.short_description = _("cron schedule in words")


# Builders of the index page's extra context, `builder(request) -> dict`: the owner's
# dashboard (an app above accounts) registers itself here, so the site imports no app.
INDEX_CONTEXT: list[Callable[[HttpRequest], dict]] = []


def index_context(builder: Callable[[HttpRequest], dict]) -> Callable[[HttpRequest], dict]:
    """Register `builder` (once, however often the app's ready() runs)."""
    if builder not in INDEX_CONTEXT:
        INDEX_CONTEXT.append(builder)
    return builder


class GymAdminSite(AdminSite):
    site_header = "gymsite"
    site_title = "gymsite"
    # The lists get the width (a laptop's 1,400 px show every column of the members' list
    # with two gyms); the index and the breadcrumbs lead everywhere.
    enable_nav_sidebar = False

    def admin_view(self, view, cacheable=False):
        """Every admin page runs, and renders, in the staff user's gym time."""
        protected = super().admin_view(view, cacheable)

        def in_gym_time(request, *args, **kwargs):
            with admin_clock(request):
                response = protected(request, *args, **kwargs)
                render_now(response)
            return response

        return update_wrapper(in_gym_time, protected)

    def index(self, request, extra_context=None):
        context = {}
        for build in INDEX_CONTEXT:
            context.update(build(request))
        context.update(extra_context or {})
        return super().index(request, context)

    def each_context(self, request):
        from django.utils import timezone

        context = super().each_context(request)
        context["gym_time_zone"] = zone_label(timezone.get_current_timezone())
        return context

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        gym_work = [app for app in app_list if app["app_label"] not in SYSTEM_APPS]
        system = [model for app in app_list if app["app_label"] in SYSTEM_APPS for model in app["models"]]
        if system:
            system.sort(
                key=lambda model: (
                    SYSTEM_MODELS_FIRST.index(model["object_name"])
                    if model["object_name"] in SYSTEM_MODELS_FIRST
                    else len(SYSTEM_MODELS_FIRST),
                    str(model["name"]),
                )
            )
            gym_work.append({
                "name": _("System"),
                "app_label": "system",
                "app_url": reverse("admin:index", current_app=self.name) + "#system",
                "has_module_perms": True,
                "models": system,
            })
        return gym_work
