from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    name = "backups"
    verbose_name = _("Backups")

    def ready(self):
        from . import checks, signals  # noqa: F401 (checks registers itself)

        # Once per migrate (and flush), after every app's migrations: the change-capture
        # triggers are (re)installed on every table the app registry knows at that moment,
        # those of apps added later included, and the default schedules exist.
        post_migrate.connect(signals.after_migrate, sender=self, dispatch_uid="backups.after_migrate")
