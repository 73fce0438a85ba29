"""Demo products for `manage.py seed_demo`: the shop counter of a real gym, in the gym's
language, with opening stock in the ledger (one below its threshold, so the low-stock
list has something to show). Idempotent: a product already there is left alone."""

from __future__ import annotations

from decimal import Decimal

from gymsite.accounts.audit import Actor

from .models import Product
from .services import product_create

# (English name, Spanish name, SKU, price, opening stock, low-stock threshold)
DEMO_PRODUCTS = [
    ("Water 600 ml", "Agua 600 ml", "AGUA-600", "15.00", 48, 12),
    ("Sports drink", "Bebida isotónica", "ISO-500", "28.00", 24, 6),
    ("Protein bar", "Barra de proteína", "BARRA-PROT", "35.00", 30, 8),
    ("Whey protein 1 kg", "Proteína whey 1 kg", "WHEY-1KG", "650.00", 4, 5),
    ("Gym towel", "Toalla de gimnasio", "TOALLA", "120.00", 10, 3),
]


def seed_demo(gym) -> int:
    spanish = gym.member_language[:2].lower() == "es"
    created = 0
    for english, spanish_name, sku, price, quantity, threshold in DEMO_PRODUCTS:
        if Product.objects.filter(gym=gym, sku=sku).exists():
            continue
        product_create(
            actor=Actor.system(),
            gym=gym,
            name=spanish_name if spanish else english,
            sku=sku,
            price=Decimal(price),
            quantity=quantity,
            low_stock_threshold=threshold,
        )
        created += 1
    return created
