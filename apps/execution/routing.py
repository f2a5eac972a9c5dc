"""WebSocket routes served by the execution app's consumers."""

websocket_urlpatterns: list = []
