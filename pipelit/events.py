"""The one event path: `broadcast` publishes through the Channels layer (Redis) from any process.

Channels are the reference's names (`workflow:<slug>`, `execution:<id>`, `epic:<id>`); Channels groups
cannot contain ':' so each channel maps to the group `pipelit.<kind>.<id>`. Consumers receive the
message type `pipelit.event` carrying the ready-to-send envelope.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from typing import Any

from asgiref.sync import async_to_sync
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


def broadcast(channel: str, event_type: str, data: dict[str, Any]) -> None:
    """Publish now. Never raises: a missing Redis must not fail the write that caused the event."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            group_for(channel), {"type": MESSAGE_TYPE, "event": envelope(channel, event_type, data)}
        )
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
