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
