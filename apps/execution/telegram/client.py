"""A small Telegram Bot API client on httpx: typed methods, one bounded 429 retry, long messages split."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096
# The bot token sits in the URL path; httpx logs request URLs at INFO.
_TOKEN_IN_PATH = re.compile(r"/bot[^/\s]+/")


class _RedactBotTokenFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _TOKEN_IN_PATH.sub("/bot[redacted]/", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _install_log_redaction() -> None:
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactBotTokenFilter) for f in httpx_logger.filters):
        httpx_logger.addFilter(_RedactBotTokenFilter())


_install_log_redaction()


class TelegramError(Exception):
    """A failed Bot API call. `error_code` is None when no answer came back (network, timeout)."""

    def __init__(
        self,
        description: str,
        *,
        method: str,
        error_code: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(f"Telegram {method} failed ({error_code}): {description}")
        self.method = method
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after


class TelegramClient:
    """Bot API calls for one bot token. `sleep` is injectable so tests can watch 429 waits."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        timeout: float = 10.0,
        max_retry_after: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token:
            raise ValueError("A Telegram bot token is required.")
        self._token = token
        self.base_url = (base_url or settings.TELEGRAM_API_BASE).rstrip("/")
        self.timeout = timeout
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._http = httpx.Client(timeout=timeout)

    def __repr__(self) -> str:
        return f"<TelegramClient {self.base_url} token=[redacted]>"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TelegramClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- transport -------------------------------------------------------------------------
    def call(self, method: str, *, request_timeout: float | None = None, **params: Any) -> Any:
        """POST one method; on 429 wait `retry_after` once (if not above `max_retry_after`) and retry."""
        payload = {key: value for key, value in params.items() if value is not None}
        try:
            return self._call_once(method, payload, request_timeout)
        except TelegramError as exc:
            if exc.error_code != 429 or exc.retry_after is None or exc.retry_after > self.max_retry_after:
                raise
            logger.info("Telegram %s rate limited; retrying in %s s", method, exc.retry_after)
            self._sleep(exc.retry_after)
            return self._call_once(method, payload, request_timeout)

    def _call_once(self, method: str, payload: dict, request_timeout: float | None) -> Any:
        url = f"{self.base_url}/bot{self._token}/{method}"
        try:
            response = self._http.post(url, json=payload, timeout=request_timeout or self.timeout)
        except httpx.HTTPError as exc:
            reason = str(exc).replace(self._token, "[redacted]")
            raise TelegramError(f"{type(exc).__name__}: {reason}", method=method) from None
        try:
            body = response.json()
        except ValueError:
            raise TelegramError(
                f"non-JSON answer (HTTP {response.status_code})",
                method=method,
                error_code=response.status_code,
            ) from None
        if not isinstance(body, dict) or not body.get("ok"):
            body = body if isinstance(body, dict) else {}
            raise TelegramError(
                str(body.get("description") or f"HTTP {response.status_code}"),
                method=method,
                error_code=body.get("error_code") or response.status_code,
                retry_after=(body.get("parameters") or {}).get("retry_after"),
            )
        return body.get("result")

    # --- methods ---------------------------------------------------------------------------
    def get_me(self) -> dict:
        return self.call("getMe")

    def set_webhook(
        self,
        url: str,
        *,
        secret_token: str | None = None,
        allowed_updates: list[str] | None = None,
        drop_pending_updates: bool | None = None,
    ) -> bool:
        return self.call(
            "setWebhook",
            url=url,
            secret_token=secret_token,
            allowed_updates=allowed_updates,
            drop_pending_updates=drop_pending_updates,
        )

    def delete_webhook(self, *, drop_pending_updates: bool | None = None) -> bool:
        return self.call("deleteWebhook", drop_pending_updates=drop_pending_updates)

    def get_webhook_info(self) -> dict:
        return self.call("getWebhookInfo")

    def get_updates(
        self,
        *,
        offset: int | None = None,
        timeout: int = 0,
        limit: int | None = None,
        allowed_updates: list[str] | None = None,
    ) -> list[dict]:
        """Long poll: the HTTP timeout is the poll timeout plus the client's own timeout."""
        return self.call(
            "getUpdates",
            request_timeout=timeout + self.timeout,
            offset=offset,
            timeout=timeout,
            limit=limit,
            allowed_updates=allowed_updates,
        )

    def send_message(
        self,
        chat_id: int | str,
        text: str,
        *,
        parse_mode: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict:
        return self.call(
            "sendMessage",
            chat_id=chat_id,
            text=text,
            parse_mode=parse_mode,
            reply_to_message_id=reply_to_message_id,
        )

    def send_long_message(
        self,
        chat_id: int | str,
        text: str,
        *,
        parse_mode: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> list[dict]:
        """Send `text` as as many messages as the 4096 limit needs, in order; only the first is a reply."""
        sent = []
        for index, part in enumerate(split_message(text)):
            reply_to = reply_to_message_id if index == 0 else None
            sent.append(self.send_message(chat_id, part, parse_mode=parse_mode, reply_to_message_id=reply_to))
        return sent


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split at the last paragraph break, else line break, else space before `limit`; cut a word
    only when it alone is longer than `limit`. Separators at a cut are dropped; nothing else is."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut, skip = _cut_point(rest, limit)
        parts.append(rest[:cut])
        rest = rest[cut + skip :]
    if rest or not parts:
        parts.append(rest)
    return [part for part in parts if part] or [text]


def _cut_point(text: str, limit: int) -> tuple[int, int]:
    window = text[: limit + 1]  # a separator right at the limit still allows a full-size part
    for separator in ("\n\n", "\n", " "):
        index = window.rfind(separator, 0, limit + 1)
        if index > 0:
            return index, len(separator)
    return limit, 0
