"""Attendance's routes: `/attendance/...` (a member's history and summary included, at
`/attendance/member/{id}` and `/attendance/member/{id}/summary`) and attendance's own route
under members' prefix, `/members/{id}/check-in`, as an explicit nested route (see
members/routes.py). No pattern of members' matches it, so the order of includes in
gymsite/urls.py does not matter."""

from django.urls import re_path

from gymsite.core.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("attendance", views.AttendanceViewSet, basename="attendance")

urlpatterns = [
    re_path(
        r"^members/(?P<member_id>\d+)/check-in/?$",
        views.MemberCheckInView.as_view(),
        name="member-check-in",
    ),
    *router.urls,
]
