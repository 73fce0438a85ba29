from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gymsite.core"
    label = "core"
    verbose_name = "Core"
