"""Small pieces of the admin's pages: money in the gym's currency."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html

from .admin_time import EMPTY

# The sign written before an amount; a currency not listed shows its code only.
CURRENCY_SIGNS = {
    "ARS": "$", "AUD": "$", "BRL": "R$", "CAD": "$", "CLP": "$", "COP": "$", "EUR": "€", "GBP": "£",
    "MXN": "$", "PEN": "S/", "USD": "$", "UYU": "$",
}


def money(amount: Decimal | None, currency: str):
    """"$1,350.00 MXN": the amount with its gym's currency (sign, two decimals, code)."""
    if amount is None:
        return EMPTY
    sign = "-" if amount < 0 else ""
    return format_html(
        '<span class="money" data-currency="{}">{}{}{} {}</span>',
        currency, sign, CURRENCY_SIGNS.get(currency, ""), f"{abs(amount):,.2f}", currency,
    )
