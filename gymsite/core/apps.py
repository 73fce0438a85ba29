from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gymsite.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import startup  # noqa: F401  (registers the deploy check)
        from .dbpool import use_quick_check

        # The pool's check of a connection it lends: a poll, a round trip only when needed.
        connection_created.connect(use_quick_check, dispatch_uid="gymsite.core.dbpool")
