from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gymsite.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from . import startup  # noqa: F401  (registers the deploy check)
