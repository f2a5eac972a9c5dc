"""Minimal loopback OpenAI-compatible server (chat completions, models) until the shared fake lands.

Non-streaming only. Script with `push_text`, `push_tool_call`, `push_error`, `push_hang`; an empty
queue answers "ok". Requests are recorded in `.requests`.
"""

from __future__ import annotations

import itertools
import json

from tests.support.loopback import LoopbackServer, RecordedRequest, Reply

_ids = itertools.count(1)


class OpenAIStub(LoopbackServer):
    def __init__(self):
        super().__init__()
        self.models = ["gpt-4o", "gpt-4o-mini"]

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def push_text(self, text: str, *, prompt_tokens: int = 10, completion_tokens: int = 5) -> None:
        self.push(({"role": "assistant", "content": text}, "stop", prompt_tokens, completion_tokens))

    def push_tool_call(self, name: str, arguments: dict) -> str:
        call_id = f"call_{next(_ids):06d}"
        call = {
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }
        self.push(({"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls", 10, 5))
        return call_id

    def push_error(self, status: int, message: str = "error", *, headers: dict | None = None) -> None:
        body = {"error": {"message": message, "type": "error", "code": None}}
        self.push(Reply(status=status, body=body, headers=headers or {}))

    def push_hang(self, seconds: float) -> None:
        self.push(Reply(hang_seconds=seconds, body={}))

    def route(self, request: RecordedRequest) -> Reply:
        if request.method == "GET" and request.path.startswith("/v1/models"):
            scripted = self.next_reply()
            if isinstance(scripted, Reply):
                return scripted
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.models]
            return Reply(200, {"object": "list", "data": data})
        if request.method == "POST" and request.path.startswith("/v1/chat/completions"):
            return self._completion(request)
        return Reply(404, {"error": {"message": f"no route {request.path}"}})

    def _completion(self, request: RecordedRequest) -> Reply:
        scripted = self.next_reply()
        if isinstance(scripted, Reply):
            return scripted
        message, finish, prompt, completion = scripted or (
            {"role": "assistant", "content": "ok"},
            "stop",
            10,
            5,
        )
        body = request.body if isinstance(request.body, dict) else {}
        return Reply(
            200,
            {
                "id": f"chatcmpl-{next(_ids)}",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", "gpt-fake"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            },
        )
