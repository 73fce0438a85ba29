"""WebSocket routes. Each app that speaks over Channels adds its patterns here."""

websocket_urlpatterns: list = []
