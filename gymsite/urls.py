from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from gymsite.core.views import HealthView

api_v1 = [
    path("", include("gymsite.accounts.urls")),
    path("", include("members.urls")),
    path("", include("billing.urls")),
    path("", include("attendance.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/health", HealthView.as_view(), name="health"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "gymsite.core.handlers.not_found"
handler500 = "gymsite.core.handlers.server_error"

admin.site.site_header = "gymsite"
admin.site.site_title = "gymsite"
