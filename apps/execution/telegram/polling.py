"""Long polling with getUpdates: at-least-once hand-off, the offset advances only after handle returns."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from .client import TelegramClient, TelegramError

logger = logging.getLogger(__name__)

# No point retrying these: the token is wrong/revoked, or a webhook is set (409 Conflict).
FATAL_ERROR_CODES = {401, 403, 404, 409}


def poll_updates(
    client: TelegramClient,
    *,
    offset: int | None = None,
    handle: Callable[[dict], object],
    stop: Callable[[], bool],
    timeout: int = 30,
    error_backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> int | None:
    """Fetch updates until `stop()` is true and return the offset to resume from.

    Each update goes to `handle(update)`; only when it returns does the offset move to update_id + 1.
    If `handle` raises an Exception, the error is logged and the next getUpdates starts from the same
    offset, so Telegram re-delivers that update (and everything after it). A crash (the process dies
    or a BaseException escapes) leaves the offset unconfirmed at Telegram, which re-delivers on the
    next poll: delivery is at-least-once, so `handle` should be idempotent on update_id.
    Transient API errors back off `error_backoff` seconds; FATAL_ERROR_CODES are raised.
    """
    while not stop():
        try:
            updates = client.get_updates(offset=offset, timeout=timeout)
        except TelegramError as exc:
            if exc.error_code in FATAL_ERROR_CODES:
                raise
            logger.warning("Telegram getUpdates failed, retrying: %s", exc.description)
            sleep(error_backoff)
            continue
        offset = _handle_batch(updates, offset, handle, stop, error_backoff, sleep)
    _confirm(client, offset)
    return offset


def _handle_batch(updates, offset, handle, stop, error_backoff, sleep) -> int | None:
    for update in updates:
        if stop():
            break
        try:
            handle(update)
        except Exception:
            logger.exception("Telegram update %s failed; it will be re-delivered", update.get("update_id"))
            sleep(error_backoff)
            break
        offset = update["update_id"] + 1
    return offset


def _confirm(client: TelegramClient, offset: int | None) -> None:
    """Tell Telegram the handled updates are done (getUpdates with an offset forgets older ones)."""
    if offset is None:
        return
    try:
        client.get_updates(offset=offset, timeout=0, limit=1)
    except TelegramError as exc:
        logger.warning("Could not confirm Telegram offset %s: %s", offset, exc.description)
