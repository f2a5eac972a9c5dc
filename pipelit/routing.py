"""WebSocket routes; each app that owns a consumer contributes its patterns here."""

from apps.execution.routing import websocket_urlpatterns as execution_ws

websocket_urlpatterns = [*execution_ws]
