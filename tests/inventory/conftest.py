import pytest

from .helpers import make_product


@pytest.fixture
def water(gym):
    return make_product(gym, name="Water", price="15.00", quantity=20, threshold=5, sku="W-1")


@pytest.fixture
def bar(gym):
    return make_product(gym, name="Protein bar", price="30.00", quantity=10, threshold=3)


@pytest.fixture
def foreign_product(other_gym):
    return make_product(other_gym, name="Foreign", price="5.00", quantity=10)
