"""A loopback OpenAI-compatible server for LLM tests, and the `fake_openai` pytest fixture.

    def test_agent(fake_openai):
        fake_openai.reply("Hello!", usage=(12, 3))
        fake_openai.tool_call("get_weather", {"city": "Paris"})
        fake_openai.error(429, "slow down")
        llm = ChatOpenAI(base_url=fake_openai.url + "/v1", api_key="x", max_retries=0)

Serves POST /v1/chat/completions (JSON, or SSE when "stream": true) and GET /v1/models. Scripted
responses are used in order; when the queue is empty `default_reply` is answered. Every request is
recorded in `requests` (path, headers, parsed JSON body). Note: the OpenAI client retries 429/5xx by
itself unless `max_retries=0`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Scripted:
    text: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{"name", "arguments", "id"}]
    usage: tuple[int, int] = (10, 5)  # (prompt_tokens, completion_tokens)
    status: int = 200
    error_message: str = ""
    error_type: str = ""
    # Computes the tool calls from the request body when it arrives (ids earlier tool calls returned).
    build: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: Any


_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_api_key",
    404: "not_found",
    429: "rate_limit_exceeded",
}


class FakeOpenAI:
    def __init__(self, *, models: tuple[str, ...] = ("gpt-4o-mini", "fake-model")) -> None:
        self.models = list(models)
        self.default_reply = "This is a fake reply."
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )

    # --- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- scripting -------------------------------------------------------------------------------
    def reply(self, text: str, *, usage: tuple[int, int] = (10, 5)) -> None:
        self._push(Scripted(text=text, usage=usage))

    def tool_call(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        call_id: str | None = None,
        usage: tuple[int, int] = (10, 5),
    ) -> None:
        self.tool_calls([{"name": name, "arguments": arguments, "id": call_id}], usage=usage)

    def tool_calls(
        self, calls: list[dict[str, Any]], *, text: str | None = None, usage: tuple[int, int] = (10, 5)
    ) -> None:
        self._push(Scripted(text=text, tool_calls=list(calls), usage=usage))

    def tool_calls_from(
        self, build: Callable[[dict[str, Any]], list[dict[str, Any]]], *, usage: tuple[int, int] = (10, 5)
    ) -> None:
        """Tool calls made from the request (its `messages`) when it arrives, e.g. using returned ids."""
        self._push(Scripted(build=build, usage=usage))

    def error(self, status: int, message: str = "scripted error", *, error_type: str = "") -> None:
        self._push(Scripted(status=status, error_message=message, error_type=error_type))

    def _push(self, scripted: Scripted) -> None:
        with self._lock:
            self._queue.append(scripted)

    def _next(self) -> Scripted:
        with self._lock:
            return self._queue.popleft() if self._queue else Scripted(text=self.default_reply)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # --- response bodies -------------------------------------------------------------------------
    def completion(self, scripted: Scripted, model: str) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": scripted.text}
        calls = self._calls(scripted)
        if calls:
            message["tool_calls"] = calls
        return {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if calls else "stop",
                    "logprobs": None,
                }
            ],
            "usage": _usage(scripted),
        }

    def stream_chunks(self, scripted: Scripted, model: str, include_usage: bool) -> list[dict[str, Any]]:
        base = {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                **base,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            }

        chunks = [chunk({"role": "assistant", "content": ""})]
        if scripted.text:
            words = scripted.text.split(" ")
            chunks += [chunk({"content": w if i == 0 else " " + w}) for i, w in enumerate(words)]
        calls = self._calls(scripted)
        for index, call in enumerate(calls):
            args = call["function"]["arguments"]
            head = {
                "index": index,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""},
            }
            chunks.append(chunk({"tool_calls": [head]}))
            half = len(args) // 2
            for part in (args[:half], args[half:]):
                chunks.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": part}}]}))
        chunks.append(chunk({}, "tool_calls" if calls else "stop"))
        if include_usage:
            chunks.append({**base, "choices": [], "usage": _usage(scripted)})
        return chunks

    def _calls(self, scripted: Scripted) -> list[dict[str, Any]]:
        return [
            {
                "id": call.get("id") or f"call_fake_{next(self._ids)}",
                "type": "function",
                "function": {"name": call["name"], "arguments": json.dumps(call.get("arguments") or {})},
            }
            for call in scripted.tool_calls
        ]


def _usage(scripted: Scripted) -> dict[str, int]:
    prompt, completion = scripted.usage
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _record(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            with fake._lock:
                fake.requests.append(
                    RecordedRequest(
                        self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                    )
                )
            return body

        def _json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 429:
                self.send_header("retry-after-ms", "1")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._record()
            if self.path.rstrip("/").endswith("/models"):
                models = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in fake.models]
                self._json(200, {"object": "list", "data": models})
            else:
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def do_POST(self) -> None:
            body = self._record()
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            scripted = fake._next()
            if scripted.status != 200:
                error_type = scripted.error_type or _ERROR_TYPES.get(scripted.status, "server_error")
                error = {"message": scripted.error_message, "type": error_type, "code": error_type}
                self._json(scripted.status, {"error": error})
                return
            body = body if isinstance(body, dict) else {}
            if scripted.build is not None:
                scripted = replace(scripted, tool_calls=list(scripted.build(body)))
            model = str(body.get("model") or fake.models[0])
            if body.get("stream"):
                include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                self._stream(fake.stream_chunks(scripted, model, include_usage))
            else:
                self._json(200, fake.completion(scripted, model))

        def _stream(self, chunks: list[dict[str, Any]]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for chunk in chunks:
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


@pytest.fixture
def fake_openai():
    """A started FakeOpenAI on 127.0.0.1 (random port); stopped after the test."""
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()
