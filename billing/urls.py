"""Billing's routes: plans, memberships, payments, and billing's own actions on a member
(`/members/{id}/renew`, `pause`, `resume`, `memberships`, `memberships/active`), routed
here with members.routes.member_routes. members/urls.py routes `/members/` itself; POST
there enrolls with a plan through billing's registered enrollment (billing/enrollment.py)."""

from gymsite.core.routers import OptionalSlashRouter
from members.routes import member_routes

from . import views

router = OptionalSlashRouter()
router.register("plans", views.PlanViewSet, basename="plan")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("payments", views.PaymentViewSet, basename="payment")

urlpatterns = [*router.urls, *member_routes(views.MemberBillingViewSet)]
