from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self):
        # The admin index shows the dashboard: registered on the admin site (accounts,
        # below us) rather than the site importing the app above it.
        from gymsite.accounts.admin_site import index_context

        from .admin import dashboard_context

        index_context(dashboard_context)
