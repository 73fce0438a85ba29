"""Member routes.

Billing subclasses `MemberViewSet` (enrolment with a plan, renew, pause, memberships) and
registers the subclass at the `members` prefix in billing/urls.py. Until it does, the plain
viewset is routed here; once billing's route exists this file must register nothing at
`members` (the first include in gymsite/urls.py would win and hide billing's actions).
"""

from gymsite.core.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("members", views.MemberViewSet, basename="member")

urlpatterns = [*router.urls]
