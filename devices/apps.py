from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Fingerprint terminals")

    def ready(self) -> None:
        from . import bookkeeping  # noqa: F401  (the deletion log of templates)
