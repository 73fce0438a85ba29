"""The demo shop counter: idempotent, in the gym's language, stock in the ledger."""

import pytest

from inventory.demo import DEMO_PRODUCTS, seed_demo
from inventory.models import Product
from tests.factories import GymFactory

from .helpers import assert_ledger

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_with_the_stock_in_the_ledger(gym):
    assert seed_demo(gym) == len(DEMO_PRODUCTS)
    assert seed_demo(gym) == 0
    products = list(Product.objects.filter(gym=gym))
    assert len(products) == len(DEMO_PRODUCTS)
    assert_ledger(*products)
    low = [p.sku for p in products if p.quantity <= p.low_stock_threshold]
    assert low == ["WHEY-1KG"]


def test_a_spanish_gym_gets_spanish_names():
    gym = GymFactory(name="Gimnasio", language="es")
    seed_demo(gym)
    names = set(Product.objects.filter(gym=gym).values_list("name", flat=True))
    assert "Agua 600 ml" in names and "Water 600 ml" not in names
