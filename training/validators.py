from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext


@deconstructible
class PlausibleRange:
    """A measure within its plausible range, with the same message as the service's, on
    the field (the admin's form shows it beside the field, not as a broken constraint)."""

    def __init__(self, low: Decimal, high: Decimal, unit: str):
        self.low, self.high, self.unit = low, high, unit

    def __call__(self, value) -> None:
        if value is not None and not self.low <= value <= self.high:
            raise ValidationError(message(self.low, self.high, self.unit), code="implausible_measure")

    def __eq__(self, other) -> bool:
        return isinstance(other, PlausibleRange) and (self.low, self.high, self.unit) == (other.low, other.high, other.unit)


def message(low, high, unit) -> str:
    return gettext("Give a value between %(low)s and %(high)s %(unit)s.") % {"low": low, "high": high, "unit": unit}
