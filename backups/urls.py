"""Routes of the backups (seed 000), under /api/v1/backups/."""

from django.urls import re_path

from gymsite.core.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("backups", views.BackupViewSet, basename="backup")

urlpatterns = [
    # The name matches no "/": "../x", "a/b" and their encoded forms never reach the view
    # (with or without a trailing slash, as every route here).
    re_path(r"^backups/download/(?P<filename>[^/]+)/?$", views.BackupDownloadView.as_view(), name="backup-download"),
    *router.urls,
]
