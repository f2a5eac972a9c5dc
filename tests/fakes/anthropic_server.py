"""Loopback fake of the Anthropic Messages API (POST /v1/messages, GET /v1/models) with a script queue.

Script answers with `push_text`, `push_tool_use`, `push_error`, `push_hang`; with an empty queue every
call answers the text "ok". Non-streaming and streaming (SSE) are chosen by the request's `stream` flag.
Every request is recorded in `.requests`. Fixture: `fake_anthropic`.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.loopback import LoopbackServer, RecordedRequest, Reply

_ids = itertools.count(1)

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@dataclass
class ScriptedMessage:
    """An assistant turn: content blocks ({"type": "text"} / {"type": "tool_use"}) and usage."""

    content: list[dict[str, Any]]
    stop_reason: str = "end_turn"
    input_tokens: int = 10
    output_tokens: int = 5
    headers: dict[str, str] = field(default_factory=dict)


class FakeAnthropicServer(LoopbackServer):
    def __init__(self):
        super().__init__()
        self.models = [
            {"id": "claude-sonnet-4-5", "display_name": "Claude Sonnet 4.5"},
            {"id": "claude-haiku-4-5-20251001", "display_name": "Claude Haiku 4.5"},
        ]

    # --- scripting helpers -----------------------------------------------------------------
    def push_text(self, text: str, *, input_tokens: int = 10, output_tokens: int = 5) -> None:
        self.push(ScriptedMessage([{"type": "text", "text": text}], "end_turn", input_tokens, output_tokens))

    def push_tool_use(self, name: str, tool_input: dict, *, text: str = "", tool_id: str = "") -> str:
        tool_id = tool_id or f"toolu_{next(_ids):06d}"
        blocks = [{"type": "text", "text": text}] if text else []
        blocks.append({"type": "tool_use", "id": tool_id, "name": name, "input": tool_input})
        self.push(ScriptedMessage(blocks, "tool_use"))
        return tool_id

    def push_error(self, status: int, message: str = "", *, headers: dict[str, str] | None = None) -> None:
        error_type = ERROR_TYPES.get(status, "api_error")
        body = {"type": "error", "error": {"type": error_type, "message": message or error_type}}
        self.push(Reply(status=status, body=body, headers=headers or {}))

    def push_hang(self, seconds: float) -> None:
        """Answer only after `seconds` (use a shorter client timeout to provoke a timeout)."""
        self.push(Reply(hang_seconds=seconds, body={"type": "error", "error": {"type": "api_error"}}))

    @property
    def message_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith("/v1/messages")]

    # --- routing ---------------------------------------------------------------------------
    def route(self, request: RecordedRequest) -> Reply:
        if request.method == "GET" and request.path.startswith("/v1/models"):
            return self._models_reply(request)
        if request.method == "POST" and request.path.startswith("/v1/messages"):
            return self._message_reply(request)
        return Reply(404, {"type": "error", "error": {"type": "not_found_error", "message": request.path}})

    def _models_reply(self, request: RecordedRequest) -> Reply:
        scripted = self.next_reply()
        if isinstance(scripted, Reply):
            return scripted
        data = [{"type": "model", "created_at": "2025-09-29T00:00:00Z", **m} for m in self.models]
        return Reply(
            200,
            {
                "data": data,
                "has_more": False,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
            },
        )

    def _message_reply(self, request: RecordedRequest) -> Reply:
        scripted = self.next_reply()
        if isinstance(scripted, Reply):
            return scripted
        if scripted is None:
            scripted = ScriptedMessage([{"type": "text", "text": "ok"}])
        body = request.body if isinstance(request.body, dict) else {}
        message = {
            "id": f"msg_{next(_ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-fake"),
            "content": scripted.content,
            "stop_reason": scripted.stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": scripted.input_tokens, "output_tokens": scripted.output_tokens},
        }
        if body.get("stream"):
            return Reply(200, sse_events=_stream_events(message), headers=scripted.headers)
        return Reply(200, message, headers=scripted.headers)


def _stream_events(message: dict[str, Any]) -> list[tuple[str, Any]]:
    """The Messages streaming sequence: message_start, per-block start/delta/stop, message_delta/stop."""
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    events: list[tuple[str, Any]] = [("message_start", {"type": "message_start", "message": start})]
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            opening = {"type": "text", "text": ""}
            half = len(block["text"]) // 2
            deltas = [
                {"type": "text_delta", "text": part} for part in (block["text"][:half], block["text"][half:])
            ]
        else:
            opening = {**block, "input": {}}
            deltas = [{"type": "input_json_delta", "partial_json": json.dumps(block["input"])}]
        events.append(
            ("content_block_start", {"type": "content_block_start", "index": index, "content_block": opening})
        )
        for delta in deltas:
            events.append(
                ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                # Cumulative usage, as the live API sends it (input included).
                "usage": {"input_tokens": usage["input_tokens"], "output_tokens": usage["output_tokens"]},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


@pytest.fixture
def fake_anthropic():
    server = FakeAnthropicServer().start()
    try:
        yield server
    finally:
        server.stop()
