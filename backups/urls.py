"""Routes of the backups (seed 000), under /api/v1/backups/."""

from django.urls import path

from gymsite.core.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("backups", views.BackupViewSet, basename="backup")

urlpatterns = [
    # `str` matches no "/": "../x", "a/b" and their encoded forms never reach the view.
    path("backups/download/<str:filename>", views.BackupDownloadView.as_view(), name="backup-download"),
    *router.urls,
]
