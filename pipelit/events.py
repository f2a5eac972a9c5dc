"""The one event path: `broadcast` publishes through the Channels layer (Redis) from any process.

Channels are the reference's names (`workflow:<slug>`, `execution:<id>`, `epic:<id>`); Channels groups
cannot contain ':' so each channel maps to the group `pipelit.<kind>.<id>`. Consumers receive the
message type `pipelit.event` carrying the envelope as ready-to-send JSON text (`event_of` parses it).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import re
import threading
import time
from collections import deque
from functools import lru_cache
from json.encoder import encode_basestring_ascii
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "pipelit.event"
_SAFE = re.compile(r"[^a-zA-Z0-9_.-]")


@lru_cache(maxsize=1024)
def group_for(channel: str) -> str:
    """`workflow:my-flow` -> `pipelit.workflow.my-flow` (hashed when unusually long or odd)."""
    kind, _, ident = channel.partition(":")
    safe = _SAFE.sub("_", ident)
    if len(safe) > 60 or safe != ident:
        safe = hashlib.sha1(ident.encode()).hexdigest()
    return f"pipelit.{_SAFE.sub('_', kind)}.{safe}"


def envelope(channel: str, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The envelope every socket receives, as a dict: the shape `envelope_texts` writes as JSON text
    (and the oracle its test compares that text with)."""
    event = {"type": event_type, "channel": channel, "timestamp": time.time(), "data": data}
    if isinstance(data, dict) and "execution_id" in data:
        event["execution_id"] = data["execution_id"]
    return event


_to_json = json.JSONEncoder(default=str).encode  # json.dumps(o, default=str) without a new encoder per call


def envelope_texts(channels: list[str], event_type: str, data: dict[str, Any]) -> list[str]:
    """`json.dumps(envelope(channel, event_type, data), default=str)` for each channel, character for
    character, with `data` serialised once for all of them (it is most of the text)."""
    head = '{"type": ' + encode_basestring_ascii(event_type) + ', "channel": '
    tail = ', "timestamp": ' + repr(time.time()) + ', "data": ' + _to_json(data)
    if isinstance(data, dict) and "execution_id" in data:
        tail += ', "execution_id": ' + _to_json(data["execution_id"])
    tail += "}"
    return [head + encode_basestring_ascii(channel) + tail for channel in channels]


def event_of(message: dict) -> dict[str, Any]:
    """The envelope a `pipelit.event` group message carries. It travels once, as JSON text (what the API
    socket sends as is); receivers that need the dict (the editor's fragments, waiters) parse it."""
    return json.loads(message["text"])


class _Publisher:
    """One long-lived thread per process that sends events in submission order.

    Submitting only appends to a deque, so a broadcast never waits for Redis; the thread is woken
    once per burst, not once per event, and sends each burst in one round trip
    (channel_layer.py `publish_blocking`) with a plain synchronous Redis client.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._sent = threading.Condition(self._lock)
        self._pid = None
        self._pending: deque = deque()
        self._unsent = 0

    def _ensure_started(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():  # first use, or a forked child
                self._pending.clear()
                self._unsent = 0
                threading.Thread(target=self._run, name="pipelit-events", daemon=True).start()
                self._pid = os.getpid()

    def _run(self) -> None:
        layer = get_channel_layer()
        while True:
            with self._lock:
                while not self._pending:
                    self._wake.wait()
                batch = list(self._pending)
                self._pending.clear()
            _send(layer, batch)
            with self._lock:
                self._unsent -= len(batch)
                if self._unsent == 0:
                    self._sent.notify_all()

    def submit(self, messages: list[tuple[str, dict]]) -> None:
        """Queue (group, message) pairs, in order."""
        self._ensure_started()
        with self._lock:
            idle = not self._pending
            self._pending.extend(messages)
            self._unsent += len(messages)
            if idle:  # the thread may be asleep; later ones find it awake
                self._wake.notify()

    def flush(self, timeout: float = 5) -> None:
        """Block until everything submitted so far has been sent (tests, process exit)."""
        if self._pid != os.getpid():
            return
        with self._sent:
            if not self._sent.wait_for(lambda: self._unsent == 0, timeout):
                logger.warning("events still unsent after %.1fs", timeout)


def _send(layer, batch: list[tuple[str, dict]]) -> None:
    """One burst, in one Redis round trip."""
    try:
        layer.publish_blocking(batch)
    except Exception:
        logger.exception("broadcast of %d events failed", len(batch))


_publisher = _Publisher()
atexit.register(_publisher.flush, 2)


def flush(timeout: float = 5) -> None:
    _publisher.flush(timeout)


def broadcast(channel: str, event_type: str, data: dict[str, Any]) -> None:
    """Queue an event for every subscriber of `channel`; returns at once and never raises."""
    _broadcast([channel], event_type, data)


def broadcast_many(channels: list[str], event_type: str, data: dict[str, Any]) -> None:
    """`broadcast` on each of `channels`, in order."""
    _broadcast(channels, event_type, data)


def _broadcast(channels: list[str], event_type: str, data: dict[str, Any]) -> None:
    # Serialised once here: not once per channel, nor once per socket that receives it.
    if get_channel_layer() is None:
        return
    try:
        texts = envelope_texts(channels, event_type, data)
        _publisher.submit(
            [
                (group_for(channel), {"type": MESSAGE_TYPE, "text": text})
                for channel, text in zip(channels, texts, strict=True)
            ]
        )
    except Exception:
        logger.exception("broadcast of %s on %s failed", event_type, channels)


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
