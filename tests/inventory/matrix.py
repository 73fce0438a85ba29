"""Permission-matrix providers for the shop counter's routes (see tests/matrix.py)."""

from tests.matrix import provides

from .helpers import make_product, make_sale


@provides("product", "pk")
def product_pk(ctx):
    # A fresh product with stock and no sale, so the admin's DELETE succeeds.
    return make_product(ctx.gym, quantity=50).pk


@provides("sale", "pk")
def sale_pk(ctx):
    # The requester's own sale: trainers and receptionists see only their own.
    product = make_product(ctx.gym, quantity=50)
    return make_sale(ctx.user, (product, 1)).pk
