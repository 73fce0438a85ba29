"""Money, as every app that takes it stores and answers it: a decimal with two places
(`MONEY`, the model fields' digits), a string in JSON (`AmountField`), paid by one of the
same three methods at the membership desk and at the shop counter (`PaymentMethod`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

MONEY = {"max_digits": 12, "decimal_places": 2}


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    TRANSFER = "transfer", _("Transfer")


class AmountField(serializers.DecimalField):
    """Money in, money out: a decimal string with two places (Decimal end to end)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", MONEY["max_digits"])
        kwargs.setdefault("decimal_places", MONEY["decimal_places"])
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)
