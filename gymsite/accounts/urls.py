from django.urls import path

from gymsite.core.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("gyms", views.GymViewSet, basename="gym")
router.register("audit", views.AuditEventViewSet, basename="audit")

urlpatterns = [
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/me", views.MeView.as_view(), name="auth-me"),
    path("auth/register", views.RegisterView.as_view(), name="auth-register"),
    *router.urls,
]
