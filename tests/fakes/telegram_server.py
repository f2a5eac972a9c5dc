"""A loopback fake of the Telegram Bot API (threaded http.server) and the `fake_telegram` fixture.

Paths are /bot<token>/<method>; unknown tokens get 401. Every call is recorded. getUpdates honours
offset (older updates are forgotten, as Telegram does) and long-poll timeout; it answers 409 while a
webhook is set. Methods can be told to fail (429 with retry_after, 401, ...) a number of times.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

DEFAULT_TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuv"
MESSAGE_LIMIT = 4096


@dataclass
class Call:
    token: str
    method: str
    params: dict
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Failure:
    error_code: int
    description: str
    retry_after: int | None
    times: int


class FakeTelegram:
    def __init__(self, tokens: tuple[str, ...] = (DEFAULT_TOKEN,)) -> None:
        self.tokens = set(tokens)
        self.calls: list[Call] = []
        self.webhooks: dict[str, dict] = {}
        self._updates: dict[str, list[dict]] = {}
        self._sent: list[dict] = []
        self._failures: dict[str, _Failure] = {}
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._cond = threading.Condition()
        self._closing = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeTelegram:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- test controls -----------------------------------------------------------------------
    def push_update(self, update: dict, *, token: str = DEFAULT_TOKEN) -> dict:
        """Queue an update for getUpdates; an update_id is assigned when missing."""
        with self._cond:
            update = {"update_id": update.get("update_id") or next(self._ids), **update}
            self._updates.setdefault(token, []).append(update)
            self._cond.notify_all()
        return update

    def pending_updates(self, *, token: str = DEFAULT_TOKEN) -> list[dict]:
        with self._cond:
            return list(self._updates.get(token, []))

    def fail(
        self,
        method: str,
        *,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail with `error_code`."""
        default = {429: f"Too Many Requests: retry after {retry_after}", 401: "Unauthorized"}
        self._failures[method] = _Failure(
            error_code, description or default.get(error_code, "Bad Request"), retry_after, times
        )

    def deliver_to_webhook(self, update: dict, *, token: str = DEFAULT_TOKEN) -> httpx.Response:
        """POST an update to the webhook set for `token`, as Telegram would (secret header included)."""
        hook = self.webhooks.get(token)
        if hook is None:
            raise AssertionError("no webhook is set for this token")
        update = {"update_id": update.get("update_id") or next(self._ids), **update}
        headers = {}
        if hook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        return httpx.post(hook["url"], json=update, headers=headers, timeout=10)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def sent_messages(self, chat_id: int | str | None = None) -> list[dict]:
        return [m for m in self._sent if chat_id is None or str(m["chat_id"]) == str(chat_id)]

    # --- the API ------------------------------------------------------------------------------
    def answer(self, token: str, method: str, params: dict) -> tuple[int, dict]:
        self.calls.append(Call(token, method, params))
        if token not in self.tokens:
            return _error(401, "Unauthorized")
        failure = self._failures.get(method)
        if failure and failure.times > 0:
            failure.times -= 1
            extra = {"retry_after": failure.retry_after} if failure.retry_after is not None else None
            return _error(failure.error_code, failure.description, extra)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found")
        return handler(token, params)

    def _api_getMe(self, token, params):
        bot_id = int(token.split(":", 1)[0])
        return _ok({"id": bot_id, "is_bot": True, "first_name": "Fake", "username": f"fake_{bot_id}_bot"})

    def _api_setWebhook(self, token, params):
        url = str(params.get("url", ""))
        # Telegram insists on HTTPS; loopback HTTP is let through so tests can aim at a live server.
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            return _error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhooks[token] = dict(params)
        if params.get("drop_pending_updates"):
            with self._cond:
                self._updates[token] = []
        return _ok(True)

    def _api_deleteWebhook(self, token, params):
        self.webhooks.pop(token, None)
        if params.get("drop_pending_updates"):
            with self._cond:
                self._updates[token] = []
        return _ok(True)

    def _api_getWebhookInfo(self, token, params):
        hook = self.webhooks.get(token, {})
        info = {
            "url": hook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending_updates(token=token)),
        }
        if hook.get("allowed_updates"):
            info["allowed_updates"] = hook["allowed_updates"]
        return _ok(info)

    def _api_getUpdates(self, token, params):
        if token in self.webhooks:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = _int(params.get("offset"))
        limit = _int(params.get("limit")) or 100
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._cond:
            queue = self._updates.setdefault(token, [])
            if offset is not None:
                queue[:] = [u for u in queue if u["update_id"] >= offset]
            while not queue and not self._closing and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            return _ok([dict(u) for u in queue[:limit]])

    def _api_sendMessage(self, token, params):
        text = params.get("text") or ""
        if params.get("chat_id") in (None, ""):
            return _error(400, "Bad Request: chat_id is empty")
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text) > MESSAGE_LIMIT:
            return _error(400, "Bad Request: message is too long")
        message = {
            "message_id": next(self._message_ids),
            "chat_id": params["chat_id"],
            "text": text,
            "parse_mode": params.get("parse_mode"),
            "reply_to_message_id": params.get("reply_to_message_id"),
        }
        self._sent.append(message)
        chat = {"id": _int(params["chat_id"]) or params["chat_id"], "type": "private"}
        return _ok(
            {"message_id": message["message_id"], "chat": chat, "date": int(time.time()), "text": text}
        )


def _ok(result) -> tuple[int, dict]:
    return 200, {"ok": True, "result": result}


def _error(code: int, description: str, parameters: dict | None = None) -> tuple[int, dict]:
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _handler_for(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self._serve({})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            ctype = self.headers.get("Content-Type", "")
            params = json.loads(raw or b"{}") if "json" in ctype else dict(parse_qsl(raw.decode()))
            self._serve(params)

        def _serve(self, params: dict) -> None:
            url = urlsplit(self.path)
            params = {**dict(parse_qsl(url.query)), **params}
            _, _, rest = url.path.partition("/bot")
            token, _, method = rest.partition("/")
            status, body = fake.answer(token, method, params) if method else _error(404, "Not Found")
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # keep test output quiet
            pass

    return Handler


@pytest.fixture
def fake_telegram():
    """A running FakeTelegram on 127.0.0.1 accepting DEFAULT_TOKEN (`.token`)."""
    server = FakeTelegram().start()
    server.token = DEFAULT_TOKEN
    try:
        yield server
    finally:
        server.stop()
