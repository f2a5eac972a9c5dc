"""WebSocket routes served by the execution app's consumers."""

from django.urls import path

from .consumers.api_socket import ApiSocketConsumer

websocket_urlpatterns = [
    path("ws/", ApiSocketConsumer.as_asgi()),
]
