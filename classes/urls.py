"""The classes app's routes, all under /api/v1/classes/."""

from django.urls import re_path

from gymsite.core.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("classes/types", views.ClassTypeViewSet, basename="class-type")
router.register("classes/rules", views.ScheduleRuleViewSet, basename="schedule-rule")
router.register("classes/sessions", views.SessionViewSet, basename="class-session")
router.register("classes/bookings", views.BookingViewSet, basename="class-booking")
router.register("classes/feeds", views.FeedViewSet, basename="class-feed-token")

urlpatterns = [
    re_path(r"^classes/stats/?$", views.ClassStatsView.as_view(), name="class-stats"),
    re_path(r"^classes/policy/?$", views.ClassPolicyView.as_view(), name="class-policy"),
    # The token is url-safe base64; anything else in that place is simply not a route.
    re_path(r"^classes/feed/(?P<token>[A-Za-z0-9_-]{1,200})\.ics/?$", views.CalendarFeedView.as_view(), name="class-feed"),
    *router.urls,
]
