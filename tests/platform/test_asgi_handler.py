"""The ASGI handler reuses its request threads and serves a request with one hop into its thread."""

import asyncio
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.db.backends.signals import connection_created

from pipelit.asgi_handler import PooledThreadASGIHandler
from tests.platform import asgi_urls

WITH_TEST_VIEWS = pytest.mark.urls("tests.platform.asgi_urls")


async def _call(
    handler,
    path: str,
    *,
    method: str = "GET",
    body: bytes = b"",
    query_string: bytes = b"",
    leave_after_first_chunk: bool = False,
) -> list[dict]:
    sent: list[dict] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    left = asyncio.Event()

    async def receive():
        if messages:
            return messages.pop()
        await left.wait()  # the client stays connected until it leaves
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)
        if message["type"] == "http.response.body":
            asgi_urls.stream_events.append("sent")
            if leave_after_first_chunk:
                left.set()
                await asyncio.sleep(0.05)  # the server notices the disconnect while sending

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query_string,
        "headers": [(b"host", b"127.0.0.1"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "scheme": "http",
        "http_version": "1.1",
        "asgi": {"version": "3.0"},
    }
    await handler(scope, receive, send)
    return sent


def _body(sent: list[dict]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


class CountingExecutor(ThreadPoolExecutor):
    """The request thread's executor: each submit is one hop from the event loop into the thread."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="django-request")
        self.hops = 0

    def submit(self, *args, **kwargs):
        self.hops += 1
        return super().submit(*args, **kwargs)


@pytest.fixture
def handler():
    return PooledThreadASGIHandler()


@pytest.fixture
def hops(handler):
    executor = CountingExecutor()
    handler._idle.append(executor)  # the next request borrows it
    yield executor
    executor.shutdown()


@pytest.fixture
def signal_threads():
    """The threads that request_started and request_finished were sent from, in order."""
    seen: dict[str, list[int]] = {"started": [], "finished": []}

    def started(**kwargs):
        seen["started"].append(threading.get_ident())

    def finished(**kwargs):
        seen["finished"].append(threading.get_ident())
        asgi_urls.stream_events.append("finished")

    request_started.connect(started)
    request_finished.connect(finished)
    asgi_urls.view_threads.clear()
    asgi_urls.stream_events.clear()
    yield seen
    request_started.disconnect(started)
    request_finished.disconnect(finished)


@pytest.mark.asyncio
async def test_sequential_requests_are_served_by_the_same_thread(handler, signal_threads):
    for _ in range(3):
        sent = await _call(handler, "/api/v1/workflows/")
        assert sent[0]["status"] == 401
    assert len(signal_threads["started"]) == 3
    assert len(set(signal_threads["started"])) == 1
    assert signal_threads["started"][0] != threading.get_ident()
    assert len(handler._idle) == 1


@pytest.mark.asyncio
async def test_the_sync_middleware_chain_still_applies_every_middleware(handler, signal_threads):
    sent = await _call(handler, "/api/v1/workflows/")
    assert b"detail" in _body(sent)
    # the sync middlewares ran: security and clickjacking headers are on the response
    headers = {k.lower(): v for k, v in sent[0]["headers"]}
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert headers[b"x-frame-options"] == b"DENY"
    assert len(signal_threads["started"]) == 1


@WITH_TEST_VIEWS
@pytest.mark.asyncio
async def test_a_response_costs_one_hop_with_both_signals_sent_once_in_the_views_thread(
    handler, hops, signal_threads, transactional_db
):
    sent = await _call(handler, "/api/test/plain")
    assert (sent[0]["status"], _body(sent)) == (200, b"0 users")
    assert hops.hops == 1
    assert signal_threads["started"] == asgi_urls.view_threads
    assert signal_threads["finished"] == asgi_urls.view_threads
    assert asgi_urls.view_threads[0] != threading.get_ident()


@WITH_TEST_VIEWS
@pytest.mark.asyncio
async def test_the_request_threads_database_connection_serves_the_next_request(
    handler, signal_threads, transactional_db
):
    created: list[int] = []

    def record(**kwargs):
        created.append(threading.get_ident())

    connection_created.connect(record)
    try:
        for _ in range(3):
            sent = await _call(handler, "/api/test/plain")
            assert sent[0]["status"] == 200
    finally:
        connection_created.disconnect(record)
    assert len(created) == 1  # the connection was kept, not closed by request_finished
    assert set(asgi_urls.view_threads) == set(created)


@WITH_TEST_VIEWS
@pytest.mark.asyncio
async def test_an_exception_in_a_view_is_a_500_and_the_request_still_finishes(handler, hops, signal_threads):
    sent = await _call(handler, "/api/test/failing")
    assert sent[0]["status"] == 500
    assert hops.hops == 1
    assert signal_threads["finished"] == asgi_urls.view_threads


@WITH_TEST_VIEWS
@pytest.mark.asyncio
async def test_a_malformed_request_is_a_400_in_one_hop(handler, hops, signal_threads):
    sent = await _call(handler, "/api/test/plain", query_string=b"q=%\xff")  # not UTF-8: no request at all
    assert sent[0]["status"] == 400
    assert hops.hops == 1
    assert asgi_urls.view_threads == []
    assert len(signal_threads["started"]) == len(signal_threads["finished"]) == 1


@WITH_TEST_VIEWS
@pytest.mark.asyncio
async def test_a_body_over_the_upload_limit_is_a_400(handler, signal_threads, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    sent = await _call(handler, "/api/test/body-length", method="POST", body=b"x" * 101)
    assert sent[0]["status"] == 400
    sent = await _call(handler, "/api/test/body-length", method="POST", body=b"x" * 100)
    assert (sent[0]["status"], _body(sent)) == (200, b"100")
    assert len(signal_threads["started"]) == len(signal_threads["finished"]) == 2


@WITH_TEST_VIEWS
@pytest.mark.asyncio
async def test_a_streaming_response_is_sent_chunk_by_chunk_and_closed_after_the_last(handler, signal_threads):
    sent = await _call(handler, "/api/test/streaming")
    assert sent[0]["status"] == 200
    assert [m.get("body", b"") for m in sent[1:]] == [b"chunk 0;", b"chunk 1;", b"chunk 2;", b""]
    # each chunk is sent before the next is made; the response closes (request_finished) at the end
    assert asgi_urls.stream_events == [
        "made 0",
        "sent",
        "made 1",
        "sent",
        "made 2",
        "sent",
        "iterator closed",
        "sent",
        "finished",
    ]
    assert signal_threads["started"] == asgi_urls.view_threads
    assert len(signal_threads["finished"]) == 1


@WITH_TEST_VIEWS
@pytest.mark.asyncio
async def test_a_client_that_leaves_mid_stream_stops_the_stream_and_the_request_finishes(
    handler, signal_threads
):
    sent = await _call(handler, "/api/test/streaming", leave_after_first_chunk=True)
    assert [m.get("body", b"") for m in sent[1:]] == [b"chunk 0;"]
    assert asgi_urls.stream_events[:3] == ["made 0", "sent", "finished"]  # as Django: no "made 1"
    assert len(signal_threads["finished"]) == 1


def _raw_get(url: str, target: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as conn:
        conn.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return b"".join(iter(lambda: conn.recv(65536), b""))


@pytest.mark.integration
def test_daphne_answers_a_malformed_request_with_400_and_then_serves_the_next(live_url):
    reply = _raw_get(live_url, b"/health?q=%\xff")  # a query that is not UTF-8: Django makes no request
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    with httpx.Client(base_url=live_url, timeout=15) as http:
        assert http.get("/api/v1/auth/setup-status/").json() == {"needs_setup": True}
