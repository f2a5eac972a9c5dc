"""Per-API-key request limits in Redis: a fixed window counted with one INCR.

`PIPELIT_RATE_LIMIT_REST`, `PIPELIT_RATE_LIMIT_WEBHOOK` and `PIPELIT_RATE_LIMIT_INBOUND` read
"<requests>/<seconds>". Each key gets
one counter per window (`pipelit:rl:<scope>:<who>:<window start>`), expiring with the window, so
Redis holds at most one small integer per active key. Over the limit the caller gets 429 with
`Retry-After` = seconds until the window ends. If Redis cannot be reached the limit fails open (logged):
refusing every request because the counter store is down would turn a Redis blip into an outage.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0
    remaining: int = 0


def parse_limit(text: str | None) -> Limit | None:
    """ "100/60" -> Limit(100, 60); "", "0" or "off" -> None (no limit). Bad text raises ValueError."""
    text = (text or "").strip().lower()
    if text in ("", "0", "off", "none"):
        return None
    count, _, seconds = text.partition("/")
    limit = Limit(int(count), int(seconds or 1))
    if limit.requests < 1 or limit.seconds < 1:
        raise ValueError(f"bad rate limit {text!r}: use '<requests>/<seconds>'")
    return limit


@lru_cache(maxsize=1)
def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)


def hit(*, scope: str, who: str, limit: Limit | None, now: float | None = None) -> Verdict:
    """Count one request for `who`; say whether it is within `limit`."""
    if limit is None:
        return Verdict(True)
    now = time.time() if now is None else now
    window = int(now // limit.seconds) * limit.seconds
    key = f"pipelit:rl:{scope}:{who}:{window}"
    try:
        pipe = _client().pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, limit.seconds + 1)
        count = pipe.execute()[0]
    except redis.RedisError as exc:
        logger.warning("rate limit store unavailable, allowing request: %s", exc)
        return Verdict(True)
    if count <= limit.requests:
        return Verdict(True, remaining=limit.requests - count)
    return Verdict(False, retry_after=max(1, math.ceil(window + limit.seconds - now)))


def caller_identity(request) -> str:
    """The API key's id when there is one, else the user, else the client address."""
    api_key = getattr(request, "auth", None)
    if getattr(api_key, "pk", None) is not None:
        # The random prefix too: a test database reuses ids, and a counter must never outlive its key.
        return f"key{api_key.pk}-{getattr(api_key, 'prefix', '')}"
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        return f"user{user.pk}"
    return f"ip{request.META.get('REMOTE_ADDR', '')}"


class ApiKeyRateThrottle(BaseThrottle):
    """DRF throttle for every REST view: `PIPELIT_RATE_LIMIT_REST` per API key."""

    scope = "rest"

    def allow_request(self, request, view) -> bool:
        verdict = hit(
            scope=self.scope,
            who=caller_identity(request),
            limit=parse_limit(settings.PIPELIT_RATE_LIMIT_REST),
        )
        self._retry_after = verdict.retry_after
        return verdict.allowed

    def wait(self) -> float | None:
        return getattr(self, "_retry_after", None)


def rate_refusal(*, scope: str, who: str, limit_text: str | None, what: str):
    """None when `who` is within the limit, else the 429 JsonResponse (Retry-After, detail) to send."""
    from django.http import JsonResponse

    verdict = hit(scope=scope, who=who, limit=parse_limit(limit_text))
    if verdict.allowed:
        return None
    response = JsonResponse({"detail": f"Too many {what}; retry in {verdict.retry_after} s."}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def webhook_rate_refusal(request):
    """`PIPELIT_RATE_LIMIT_WEBHOOK` for the caller already authenticated onto `request`."""
    return rate_refusal(
        scope="webhook",
        who=caller_identity(request),
        limit_text=settings.PIPELIT_RATE_LIMIT_WEBHOOK,
        what="webhook calls for this API key",
    )


def inbound_rate_refusal(credential):
    """`PIPELIT_RATE_LIMIT_INBOUND` per gateway credential (the key `/api/v1/inbound/` authenticated).

    Counted by the credential's id plus a digest of its key: a rotated key starts a fresh count, and a
    test database that reuses ids never inherits an old counter. The key itself never reaches Redis.
    """
    digest = hashlib.sha256((credential.api_key or "").encode()).hexdigest()[:12]
    return rate_refusal(
        scope="inbound",
        who=f"gw{credential.pk}-{digest}",
        limit_text=settings.PIPELIT_RATE_LIMIT_INBOUND,
        what="inbound messages for this gateway credential",
    )
