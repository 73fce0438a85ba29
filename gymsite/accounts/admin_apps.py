"""`django.contrib.admin` with gymsite's admin site (`admin_site.GymAdminSite`): named in
INSTALLED_APPS in its place. Imports no model: Django loads it before the models."""

from django.contrib.admin.apps import AdminConfig


class GymAdminConfig(AdminConfig):
    default_site = "gymsite.accounts.admin_site.GymAdminSite"

    def ready(self):
        super().ready()  # autodiscovers every app's admin module
        from django.contrib import admin

        from .admin_site import relabel_third_party

        relabel_third_party(admin.site)
