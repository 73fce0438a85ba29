from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "gymsite.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import schema  # noqa: F401  (registers the OpenAPI auth extension)
