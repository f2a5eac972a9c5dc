"""`/ws/editor/?channel=workflow:<slug>`: the browser's socket, session-authenticated, sending htmx
out-of-band fragments rendered from the same events the API socket forwards as JSON."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from pipelit import events

from ..fragments import render_event

POLICY_VIOLATION = 1008
MAX_CHANNELS = 20


class EditorSocketConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        # Groups are joined before accepting, so no event can slip between "open" and "listening".
        self.groups_joined: list[str] = []
        user = self.scope.get("user")
        refusal = None if getattr(user, "is_authenticated", False) else "Login required"
        requested = parse_qs(self.scope.get("query_string", b"").decode()).get("channel", [])[:MAX_CHANNELS]
        for channel in requested if refusal is None else []:
            allowed, reason = await database_sync_to_async(events.can_subscribe)(user, channel)
            if not allowed:
                refusal = reason
                break
            group = events.group_for(channel)
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()
        if refusal:
            await self.close(code=POLICY_VIOLATION, reason=refusal[:120])

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """The editor only listens; anything it sends is ignored."""

    async def pipelit_event(self, message):
        html = render_event(events.event_of(message))  # templates only, no database
        if html:
            await self.send(text_data=html)
