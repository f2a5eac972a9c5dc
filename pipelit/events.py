"""The one event path: `broadcast` publishes through the Channels layer (Redis) from any process.

Channels are the reference's names (`workflow:<slug>`, `execution:<id>`, `epic:<id>`); Channels groups
cannot contain ':' so each channel maps to the group `pipelit.<kind>.<id>`. Consumers receive the
message type `pipelit.event` carrying the ready-to-send envelope.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import json
import logging
import os
import re
import threading
import time
from collections import deque
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "pipelit.event"
_SAFE = re.compile(r"[^a-zA-Z0-9_.-]")


def group_for(channel: str) -> str:
    """`workflow:my-flow` -> `pipelit.workflow.my-flow` (hashed when unusually long or odd)."""
    kind, _, ident = channel.partition(":")
    safe = _SAFE.sub("_", ident)
    if len(safe) > 60 or safe != ident:
        safe = hashlib.sha1(ident.encode()).hexdigest()
    return f"pipelit.{_SAFE.sub('_', kind)}.{safe}"


def envelope(channel: str, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    event = {"type": event_type, "channel": channel, "timestamp": time.time(), "data": data}
    if isinstance(data, dict) and "execution_id" in data:
        event["execution_id"] = data["execution_id"]
    return event


class _Publisher:
    """One long-lived event loop thread per process that sends events in submission order.

    `async_to_sync(group_send)` per event costs ~5 ms here (a fresh loop and Redis connection each
    time); a persistent loop with its own connection pool sends in well under a millisecond and
    never blocks the caller. Submitting only appends to a deque; the loop thread is woken once per
    burst, not once per event (each wake-up is a syscall and a thread switch).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._sent = threading.Condition(self._lock)
        self._pid = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._pending: deque = deque()
        self._unsent = 0
        self._wake_scheduled = False

    def _ensure_started(self) -> asyncio.AbstractEventLoop:
        if self._pid == os.getpid() and self._loop is not None:
            return self._loop
        with self._lock:
            if self._pid != os.getpid() or self._loop is None:  # first use, or a forked child
                self._pending.clear()
                self._unsent, self._wake_scheduled = 0, False
                ready = threading.Event()
                thread = threading.Thread(target=self._run, args=(ready,), name="pipelit-events", daemon=True)
                thread.start()
                ready.wait(5)
                self._pid = os.getpid()
        return self._loop

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop, self._wake = loop, asyncio.Event()
        loop.call_soon(ready.set)
        loop.run_until_complete(self._drain())

    async def _drain(self) -> None:
        layer = get_channel_layer()
        while True:
            await self._wake.wait()
            self._wake.clear()
            while True:
                with self._lock:
                    if not self._pending:
                        self._wake_scheduled = False
                        break
                    batch = list(self._pending)
                    self._pending.clear()
                await _send(layer, batch)
                with self._lock:
                    self._unsent -= len(batch)
                    if self._unsent == 0:
                        self._sent.notify_all()

    def submit(self, group: str, message: dict) -> None:
        loop = self._ensure_started()
        with self._lock:
            self._pending.append((group, message))
            self._unsent += 1
            if self._wake_scheduled:
                return
            self._wake_scheduled = True
        loop.call_soon_threadsafe(self._wake.set)

    def flush(self, timeout: float = 5) -> None:
        """Block until everything submitted so far has been sent (tests, process exit)."""
        if self._pid != os.getpid() or self._loop is None:
            return
        with self._sent:
            if not self._sent.wait_for(lambda: self._unsent == 0, timeout):
                logger.warning("events still unsent after %.1fs", timeout)


async def _send(layer, batch: list[tuple[str, dict]]) -> None:
    """One burst, in one Redis round trip (channel_layer.py `group_send_many`)."""
    try:
        await layer.group_send_many(batch)
    except Exception:
        logger.exception("broadcast of %d events failed", len(batch))


_publisher = _Publisher()
atexit.register(_publisher.flush, 2)


def flush(timeout: float = 5) -> None:
    _publisher.flush(timeout)


def broadcast(channel: str, event_type: str, data: dict[str, Any]) -> None:
    """Queue an event for every subscriber of `channel`; returns at once and never raises."""
    if get_channel_layer() is None:
        return
    try:
        event = envelope(channel, event_type, data)
        # Serialised once here, not once per socket that receives it.
        message = {"type": MESSAGE_TYPE, "event": event, "text": json.dumps(event, default=str)}
        _publisher.submit(group_for(channel), message)
    except Exception:
        logger.exception("broadcast of %s on %s failed", event_type, channel)


def broadcast_many(channels: list[str], event_type: str, data: dict[str, Any]) -> None:
    for channel in channels:
        broadcast(channel, event_type, data)


def broadcast_on_commit(channel: str | list[str], event_type: str, data: dict[str, Any]) -> None:
    """Publish once the surrounding transaction commits, so nobody hears of a rolled-back row."""
    channels = [channel] if isinstance(channel, str) else list(channel)
    transaction.on_commit(lambda: broadcast_many(channels, event_type, data))


# --- Who may listen -------------------------------------------------------------------------
# Each app registers, for the channel kinds it owns, a sync function (user, ident) -> bool in its
# AppConfig.ready(); the sockets consult it before joining a group. Unknown kinds are refused.
_AUTHORIZERS: dict[str, Any] = {}


def register_channel_authorizer(kind: str, authorize) -> None:
    _AUTHORIZERS[kind] = authorize


def can_subscribe(user, channel: str) -> tuple[bool, str]:
    """(allowed, reason). Runs database queries: call it from sync code or database_sync_to_async."""
    kind, sep, ident = channel.partition(":")
    if not sep or not ident:
        return False, f"Malformed channel {channel!r}: expected '<kind>:<id>'."
    authorize = _AUTHORIZERS.get(kind)
    if authorize is None:
        return False, f"Unknown channel kind {kind!r}."
    if not authorize(user, ident):
        return False, f"Not allowed to subscribe to {channel!r}."
    return True, ""
