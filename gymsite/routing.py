"""WebSocket routes. Each app that speaks over Channels adds its patterns here.

gymsite/asgi.py routes them with gymsite.core.websocket.URLRouter: a path none of them
matches is refused at the handshake (403), not a 500 with a traceback.
"""

from devices.routing import websocket_urlpatterns as devices_patterns

websocket_urlpatterns: list = [*devices_patterns]
