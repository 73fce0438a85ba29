from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        # POST /members/ enrolls with a plan and a payment (members/enrollment.py).
        from members.enrollment import register_enrollment

        from .enrollment import ENROLLMENT

        register_enrollment(ENROLLMENT)
