"""The ASGI handler reuses its request threads and runs the sync middleware chain in one hop."""

import asyncio
import threading

import pytest
from django.core.signals import request_started

from pipelit.asgi_handler import PooledThreadASGIHandler


async def _get(handler, path: str) -> list[dict]:
    sent: list[dict] = []
    messages = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the client stays connected

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "scheme": "http",
        "http_version": "1.1",
        "asgi": {"version": "3.0"},
    }
    await handler(scope, receive, send)
    return sent


@pytest.fixture
def request_threads():
    seen: list[int] = []

    def record(**kwargs):
        seen.append(threading.get_ident())

    request_started.connect(record)
    yield seen
    request_started.disconnect(record)


@pytest.mark.asyncio
async def test_sequential_requests_are_served_by_the_same_thread(request_threads):
    handler = PooledThreadASGIHandler()
    for _ in range(3):
        sent = await _get(handler, "/api/v1/workflows/")
        assert sent[0]["status"] == 401
    assert len(request_threads) == 3
    assert len(set(request_threads)) == 1
    assert request_threads[0] != threading.get_ident()
    assert len(handler._idle) == 1


@pytest.mark.asyncio
async def test_the_sync_middleware_chain_still_applies_every_middleware(request_threads):
    handler = PooledThreadASGIHandler()
    sent = await _get(handler, "/api/v1/workflows/")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert b"detail" in body
    # the sync middlewares ran: security and clickjacking headers are on the response
    headers = {k.lower(): v for k, v in sent[0]["headers"]}
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert headers[b"x-frame-options"] == b"DENY"
    assert len(request_threads) == 1
