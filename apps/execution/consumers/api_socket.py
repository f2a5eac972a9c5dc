"""`/ws/?token=<api key>`: the JSON event socket with subscribe/unsubscribe and ping/pong."""

from __future__ import annotations

import asyncio
import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from pipelit import events, ws_direct

POLICY_VIOLATION = 1008
MAX_SUBSCRIPTIONS = 200


class ApiSocketConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        await self.accept()
        if self.scope.get("auth_method") != "api_key" or not getattr(user, "is_authenticated", False):
            await self.close(code=POLICY_VIOLATION, reason="Invalid or missing token")
            return
        self.user = user
        self.channels_joined: dict[str, str] = {}
        self.last_seen = time.monotonic()
        self.heartbeat = asyncio.create_task(self._heartbeat())
        # Events skip this consumer's queue and dispatch when the server is daphne and the layer
        # offers a local sink: the layer's reader writes each event's pre-built frame straight to
        # the socket (see pipelit.channel_layer and pipelit.ws_direct). Otherwise `pipelit_event`.
        self.write_direct = ws_direct.direct_writer(self.base_send, _event_text)
        self.held: list | None = None  # events that arrive while a subscribe is being answered
        if self.write_direct is not None and _has_sinks(self.channel_layer):
            self.channel_layer.add_sink(self.channel_name, self._deliver)

    async def disconnect(self, code):
        task = getattr(self, "heartbeat", None)
        if task:
            task.cancel()
        if getattr(self, "write_direct", None) is not None and _has_sinks(self.channel_layer):
            self.channel_layer.remove_sink(self.channel_name)
        for group in getattr(self, "channels_joined", {}).values():
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        self.last_seen = time.monotonic()
        try:
            message = json.loads(text_data if text_data is not None else bytes_data)
        except (TypeError, ValueError):
            await self._send({"type": "error", "message": "Malformed JSON."})
            return
        if not isinstance(message, dict):
            await self._send({"type": "error", "message": "Messages must be JSON objects."})
            return
        kind = message.get("type")
        if kind == "pong":
            pass  # receipt already refreshed last_seen
        elif kind == "ping":
            await self._send({"type": "pong"})
        elif kind == "subscribe":
            await self._subscribe(message.get("channel"))
        elif kind == "unsubscribe":
            await self._unsubscribe(message.get("channel"))
        else:
            await self._send({"type": "error", "message": f"Unknown message type {kind!r}."})

    async def _subscribe(self, channel):
        if not isinstance(channel, str) or not channel:
            await self._send({"type": "error", "message": "subscribe needs a 'channel' string."})
            return
        if channel not in self.channels_joined and len(self.channels_joined) >= MAX_SUBSCRIPTIONS:
            await self._send({"type": "error", "channel": channel, "message": "Too many subscriptions."})
            return
        allowed, reason = await database_sync_to_async(events.can_subscribe)(self.user, channel)
        if not allowed:
            await self._send({"type": "error", "channel": channel, "message": reason})
            return
        group = events.group_for(channel)
        # "subscribed" goes out before any event of the new group, as on the queue path.
        self.held = []
        try:
            await self.channel_layer.group_add(group, self.channel_name)
            self.channels_joined[channel] = group
            await self._send({"type": "subscribed", "channel": channel})
        finally:
            held, self.held = self.held, None
            if held:
                self._deliver(held)

    async def _unsubscribe(self, channel):
        group = self.channels_joined.pop(channel, None) if isinstance(channel, str) else None
        if group:
            await self.channel_layer.group_discard(group, self.channel_name)
        await self._send({"type": "unsubscribed", "channel": channel})

    def _deliver(self, messages: list[dict]) -> None:
        """The layer's local sink: called on the reader with the group messages, in arrival order."""
        if self.held is not None:
            self.held.extend(messages)
            return
        self.write_direct(messages)

    async def pipelit_event(self, message):
        """Group message from events.broadcast when no local sink is registered: forward as it comes."""
        await self.send(text_data=message["text"])  # serialised once, at the source (events.py)

    async def _send(self, payload: dict):
        await self.send(text_data=json.dumps(payload))

    async def _heartbeat(self):
        """Ping every interval (clients reconnect after 45 s of silence); any message counts as a pong."""
        interval = settings.PIPELIT_WS_PING_INTERVAL
        timeout = settings.PIPELIT_WS_PONG_TIMEOUT
        tick = min(interval, timeout) / 4
        last_ping = time.monotonic()
        pending: float | None = None
        try:
            while True:
                await asyncio.sleep(tick)
                now = time.monotonic()
                if pending is not None and self.last_seen < pending and now - pending > timeout:
                    await self.close(code=POLICY_VIOLATION, reason="Heartbeat timeout")
                    return
                if now - last_ping >= interval:
                    last_ping = pending = now
                    await self._send({"type": "ping"})
        except asyncio.CancelledError:
            pass


def _event_text(message: dict) -> str | None:
    return message["text"] if message.get("type") == events.MESSAGE_TYPE else None


def _has_sinks(layer) -> bool:
    try:
        return callable(layer.add_sink)
    except AttributeError:
        return False
