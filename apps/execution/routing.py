"""WebSocket routes served by the execution app's consumers."""

from django.urls import path

from .consumers.api_socket import ApiSocketConsumer
from .consumers.editor_socket import EditorSocketConsumer

websocket_urlpatterns = [
    path("ws/", ApiSocketConsumer.as_asgi()),
    path("ws/editor/", EditorSocketConsumer.as_asgi()),
]
