from django.urls import re_path

from gymsite.core.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("attendance", views.AttendanceViewSet, basename="attendance")

urlpatterns = [
    # Under the members/ prefix but owned here. The members router's detail pattern
    # (`members/<pk>/?$`) does not match `members/<id>/check-in`, so this route is reached
    # even though members' urls are included first.
    re_path(
        r"^members/(?P<member_id>\d+)/check-in/?$",
        views.MemberCheckInView.as_view(),
        name="member-check-in",
    ),
    *router.urls,
]
