"""The ASGI application: Django for HTTP, Channels for WebSockets.

Serve it with `python -m gymsite.core.server` (daphne with our fixes to its HTTP layer,
the same options as `daphne`): `make run`, the Docker image and the end-to-end tests do.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymsite.settings")
# Django's ASGI handler with a request's sync work in one trip to a kept thread
# (gymsite/core/asgi_handler.py).
from gymsite.core.asgi_handler import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from gymsite.core.startup import require_secret_key  # noqa: E402

require_secret_key()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from gymsite.core.asgi_middleware import (  # noqa: E402
    MediaFilesHandler,
    RequestBodyMiddleware,
    RequestContextMiddleware,
)
from gymsite.core.logs import AccessLogMiddleware  # noqa: E402
from gymsite.core.websocket import AllowedHostsOrNoOriginValidator, URLRouter  # noqa: E402
from gymsite.routing import websocket_urlpatterns  # noqa: E402

application = RequestContextMiddleware(
    ProtocolTypeRouter(
        {
            # daphne serves the admin's static files and the media (member photos) itself,
            # so one process is a complete site; a proxy in front may serve STATIC_ROOT
            # (var/static) and MEDIA_ROOT instead.
            # One log line and the request metrics per request (gymsite.core.logs).
            "http": AccessLogMiddleware(
                RequestBodyMiddleware(MediaFilesHandler(ASGIStaticFilesHandler(django_asgi_app)))
            ),
            # An unknown path is refused (403), like a foreign Origin; terminals send none.
            "websocket": AllowedHostsOrNoOriginValidator(URLRouter(websocket_urlpatterns)),
        }
    )
)
