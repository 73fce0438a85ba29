"""Members' routes: `/members/` (list, enroll), `/members/{id}` and members' own collection
actions (search, export, import).

Other apps route their member actions (`/members/{id}/renew`, `/members/{id}/check-in`, ...)
from their own urls.py (see members/routes.py); none of their patterns matches a path of
these, so the order of includes in gymsite/urls.py does not matter."""

from gymsite.core.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("members", views.MemberViewSet, basename="member")

urlpatterns = [*router.urls]
