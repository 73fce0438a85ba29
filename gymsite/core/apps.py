from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gymsite.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        import logging

        from django.conf import settings

        from . import logs, metrics, startup  # noqa: F401  (startup registers the deploy check)

        # What loading the settings did (a key generated under var/), now that logging is
        # set up: once, in the site's log format.
        notices = getattr(settings, "STARTUP_NOTICES", [])
        for notice in notices:
            logging.getLogger("gymsite.settings").warning("%s", notice)
        notices.clear()

        # The request id into tasks and their log lines; task counts, failures, durations.
        logs.connect_celery_signals()
        metrics.connect_celery_signals()
        from django.db.backends.signals import connection_created

        from .dbpool import use_quick_check

        # The pool's check of a connection it lends: a poll, a round trip only when needed.
        connection_created.connect(use_quick_check, dispatch_uid="gymsite.core.dbpool")
