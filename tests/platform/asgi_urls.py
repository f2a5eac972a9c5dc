"""Test-only URLconf: plain sync views that the ASGI handler tests serve, each recording its thread.

Under /api/ so the first-run redirect to /setup/ leaves them alone."""

import threading

from django.contrib.auth import get_user_model
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

view_threads: list[int] = []
stream_events: list[str] = []


def plain(request):
    view_threads.append(threading.get_ident())
    return HttpResponse(f"{get_user_model().objects.count()} users")  # touches the database


def failing(request):
    view_threads.append(threading.get_ident())
    raise RuntimeError("the view broke")


@csrf_exempt
def body_length(request):
    return HttpResponse(str(len(request.body)))


def streaming(request):
    async def chunks():  # a sync iterator would be read whole before the first chunk goes out
        try:
            for i in range(3):
                stream_events.append(f"made {i}")
                yield f"chunk {i};".encode()
        finally:
            stream_events.append("iterator closed")

    view_threads.append(threading.get_ident())
    return StreamingHttpResponse(chunks())


urlpatterns = [
    path("api/test/plain", plain),
    path("api/test/failing", failing),
    path("api/test/body-length", body_length),
    path("api/test/streaming", streaming),
]
