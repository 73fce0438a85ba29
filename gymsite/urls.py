from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path, reverse_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView

from devices.views import WebSocketHealthView, asyncapi_document, protocol_page
from gymsite.accounts.admin_login import AdminLoginForm
from gymsite.core import docs
from gymsite.core.handlers import not_found
from gymsite.core.metrics import metrics_view
from gymsite.core.views import HealthView

# Each app routes its own paths, those under another app's prefix included
# (`/members/{id}/renew` from billing.urls, `/members/{id}/check-in` from attendance.urls:
# members/routes.py). No two apps' patterns match one path, so the order of these includes
# does not matter (tests/test_routes.py tries every order).
api_v1 = [
    path("", include("gymsite.accounts.urls")),
    path("", include("members.urls")),
    path("", include("billing.urls")),
    path("", include("attendance.urls")),
    path("", include("inventory.urls")),
    path("", include("training.urls")),
    path("", include("devices.urls")),
    path("", include("classes.urls")),
    path("", include("backups.urls")),
    path("", include("inspections.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("favicon.ico", docs.favicon, name="favicon"),
    path("api/health", HealthView.as_view(), name="health"),
    # The API's index, with and without the slash (the resources' routes are below it).
    re_path(r"^api/v1/?$", docs.ApiIndexView.as_view(), name="api-index"),
    path("ws/health", WebSocketHealthView.as_view(), name="ws-health"),
    # Prometheus (gymsite.core.metrics): METRICS_TOKEN or METRICS_ALLOWED_IPS only.
    path("metrics", csrf_exempt(metrics_view), name="metrics"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", docs.swagger_ui, name="swagger-ui"),
    path("api/redoc/", docs.redoc, name="redoc"),
    # The WebSocket protocol of the terminals (devices/protocol_doc.py): AsyncAPI and a page.
    path("api/asyncapi.yaml", asyncapi_document, {"format": "yaml"}, name="asyncapi-yaml"),
    path("api/asyncapi.json", asyncapi_document, {"format": "json"}, name="asyncapi-json"),
    path("api/docs/devices/", protocol_page, name="devices-protocol"),
    # Last: any other /api/ path answers the JSON 404 even with DEBUG on, where Django
    # would otherwise render its HTML debug page.
    # Exempt from CSRF: a PUT to a wrong URL is a 404, not a cookie complaint in HTML.
    re_path(r"^api/", csrf_exempt(not_found), name="api-not-found"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "gymsite.core.handlers.bad_request"
handler404 = "gymsite.core.handlers.not_found"
handler500 = "gymsite.core.handlers.server_error"

admin.site.site_header = "gymsite"
admin.site.site_title = "gymsite"
# "View site": the API's documentation, until the owner's dashboard exists.
admin.site.site_url = reverse_lazy("swagger-ui")
# The email or the username, through the API login's checks and throttle.
admin.site.login_form = AdminLoginForm
