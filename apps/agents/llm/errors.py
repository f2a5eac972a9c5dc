"""Classify provider failures into stable error codes and retry the retryable ones."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import anthropic
import httpx
import httpx2  # the transport under the openai/anthropic SDKs
import openai

logger = logging.getLogger(__name__)

T = TypeVar("T")

LLM_AUTH_ERROR = "llm_auth_error"
LLM_RATE_LIMITED = "llm_rate_limited"
LLM_SERVER_ERROR = "llm_server_error"
LLM_TIMEOUT = "llm_timeout"
LLM_UNREACHABLE = "llm_unreachable"
LLM_BAD_REQUEST = "llm_bad_request"
LLM_CONFIG_ERROR = "llm_config_error"
LLM_ERROR = "llm_error"

RETRYABLE = frozenset({LLM_RATE_LIMITED, LLM_SERVER_ERROR, LLM_TIMEOUT, LLM_UNREACHABLE})

_TIMEOUTS = (
    openai.APITimeoutError,
    anthropic.APITimeoutError,
    httpx.TimeoutException,
    httpx2.TimeoutException,
    TimeoutError,
)
_CONNECTION = (
    openai.APIConnectionError,
    anthropic.APIConnectionError,
    httpx.TransportError,
    httpx2.TransportError,
    ConnectionError,
)


class LLMCallError(Exception):
    """A provider call failed; `error_code` is one of the llm_* codes above."""

    def __init__(self, error_code: str, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.error_code in RETRYABLE

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}"


@dataclass(frozen=True)
class _Status:
    code: int
    headers: Mapping[str, str]
    message: str


def _status_of(exc: BaseException) -> _Status | None:
    if isinstance(exc, (httpx.HTTPStatusError, httpx2.HTTPStatusError)):
        return _Status(exc.response.status_code, exc.response.headers, exc.response.text[:300])
    if isinstance(exc, (openai.APIStatusError, anthropic.APIStatusError)):
        return _Status(exc.status_code, exc.response.headers, _provider_message(exc))
    return None


def _provider_message(exc: openai.APIStatusError | anthropic.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(exc.message)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds the provider asked us to wait: `retry-after-ms`, `retry-after` (seconds or HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(raw) if raw else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def _code_for_status(status: int) -> str:
    if status in (401, 403):
        return LLM_AUTH_ERROR
    if status == 429:
        return LLM_RATE_LIMITED
    if status >= 500:
        return LLM_SERVER_ERROR
    if 400 <= status < 500:
        return LLM_BAD_REQUEST
    return LLM_ERROR


_MESSAGES = {
    LLM_AUTH_ERROR: "Authentication failed - invalid API key",
    LLM_RATE_LIMITED: "Rate limited by the provider",
    LLM_SERVER_ERROR: "The provider returned a server error",
    LLM_BAD_REQUEST: "The provider rejected the request",
}


def classify(exc: BaseException) -> LLMCallError:
    """Map an SDK/httpx exception to an LLMCallError (already-classified errors pass through)."""
    if isinstance(exc, LLMCallError):
        return exc
    status = _status_of(exc)
    if status is not None:
        code = _code_for_status(status.code)
        retry_after = retry_after_seconds(status.headers) if code in RETRYABLE else None
        message = f"{_MESSAGES.get(code, 'Provider error')} (HTTP {status.code}): {status.message}"
        return LLMCallError(code, message, retry_after=retry_after)
    if isinstance(exc, _TIMEOUTS):
        return LLMCallError(LLM_TIMEOUT, f"The provider did not answer in time: {exc}")
    if isinstance(exc, _CONNECTION):
        cause = exc.__cause__ or exc
        return LLMCallError(LLM_UNREACHABLE, f"Could not connect to the provider: {cause}")
    return LLMCallError(LLM_ERROR, f"{type(exc).__name__}: {exc}")


def backoff_delay(attempt: int, *, base_delay: float, max_delay: float, retry_after: float | None) -> float:
    """Delay before retry number `attempt` (1-based): the provider's Retry-After wins, else jittered 2^n."""
    if retry_after is not None:
        return min(retry_after, max_delay)
    exponential = base_delay * (2 ** (attempt - 1))
    return min(max_delay, exponential * (0.5 + random.random() / 2))


def call_with_retries(
    fn: Callable[[], T],
    *,
    max_attempts: int = 3,
    base_delay: float = 0.5,
    max_delay: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `fn`, retrying rate limits, 5xx, timeouts and connection errors; raise LLMCallError at the end."""
    attempt = 1
    while True:
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - every failure is classified, unknown ones not retried
            error = classify(exc)
            if not error.retryable or attempt >= max_attempts:
                raise error from exc
            delay = backoff_delay(
                attempt, base_delay=base_delay, max_delay=max_delay, retry_after=error.retry_after
            )
            logger.warning(
                "LLM call failed (%s), retry %d/%d in %.2fs",
                error.error_code,
                attempt,
                max_attempts - 1,
                delay,
            )
            sleep(delay)
            attempt += 1


async def acall_with_retries(
    fn: Callable[[], Awaitable[T]],
    *,
    max_attempts: int = 3,
    base_delay: float = 0.5,
    max_delay: float = 30.0,
) -> T:
    """Async twin of call_with_retries: awaits `fn()` and sleeps without blocking the event loop."""
    attempt = 1
    while True:
        try:
            return await fn()
        except Exception as exc:  # noqa: BLE001
            error = classify(exc)
            if not error.retryable or attempt >= max_attempts:
                raise error from exc
            delay = backoff_delay(
                attempt, base_delay=base_delay, max_delay=max_delay, retry_after=error.retry_after
            )
            logger.warning(
                "LLM call failed (%s), retry %d/%d in %.2fs",
                error.error_code,
                attempt,
                max_attempts - 1,
                delay,
            )
            await asyncio.sleep(delay)
            attempt += 1
