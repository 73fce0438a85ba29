"""The low-stock email. Admins belong to no gym in this project (DESIGN.md: every staff
user but an admin belongs to one gym), so "the gym's admins" are every active admin user
with an email address."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from gymsite.accounts.models import User
from gymsite.accounts.roles import Role
from gymsite.core.mail import send_templated_mail

from .models import Product


def low_stock_recipients() -> list[str]:
    return list(
        User.objects.filter(role=Role.ADMIN, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )


def low_stock_alert_send(*, product_id: int) -> int:
    """Send the alert of one product (its stock as it is now) to the admins, in the gym's
    language; 0 when the product is gone or has no one to tell."""
    product = Product.objects.select_related("gym").filter(pk=product_id).first()
    recipients = low_stock_recipients()
    if product is None or not recipients:
        return 0
    language = product.gym.member_language
    with translation.override(language):
        subject = _("Low stock: %(product)s at %(gym)s") % {"product": product.name, "gym": product.gym.name}
    send_templated_mail(
        template="inventory/email/low_stock",
        subject=subject,
        context={"product": product, "gym": product.gym},
        to=recipients,
        language=language,
    )
    return len(recipients)
