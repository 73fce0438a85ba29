from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gymsite.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from . import logs, metrics, startup  # noqa: F401  (startup registers the deploy check)

        # The request id into tasks and their log lines; task counts, failures, durations.
        logs.connect_celery_signals()
        metrics.connect_celery_signals()
        from django.db.backends.signals import connection_created

        from .dbpool import use_quick_check

        # The pool's check of a connection it lends: a poll, a round trip only when needed.
        connection_created.connect(use_quick_check, dispatch_uid="gymsite.core.dbpool")
