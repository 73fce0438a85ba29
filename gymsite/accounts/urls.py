from django.urls import re_path

from gymsite.core.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("gyms", views.GymViewSet, basename="gym")
router.register("audit", views.AuditEventViewSet, basename="audit")

urlpatterns = [
    re_path(r"^auth/login/?$", views.LoginView.as_view(), name="auth-login"),
    re_path(r"^auth/refresh/?$", views.RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^auth/me/?$", views.MeView.as_view(), name="auth-me"),
    re_path(r"^auth/register/?$", views.RegisterView.as_view(), name="auth-register"),
    *router.urls,
]
