"""The shop counter's routes: products (with stock and movements) and sales."""

from gymsite.core.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("products", views.ProductViewSet, basename="product")
router.register("sales", views.SaleViewSet, basename="sale")

urlpatterns = router.urls
