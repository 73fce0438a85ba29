"""Billing routes. `members` is routed here (billing's subclass of members' viewset adds
enrollment with a plan, renew, pause, resume and a member's memberships); members/urls.py
registers nothing at that prefix."""

from gymsite.core.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("members", views.MemberLifecycleViewSet, basename="member")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("payments", views.PaymentViewSet, basename="payment")

urlpatterns = [*router.urls]
