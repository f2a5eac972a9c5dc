"""Wait for an execution to finish by listening for its completion event (never by polling)."""

from __future__ import annotations

import asyncio
import time

from channels.layers import get_channel_layer

from pipelit import events

FINISH_EVENTS = {"execution_completed", "execution_failed", "execution_cancelled"}


class FinishListener:
    """Join `execution:<id>` BEFORE the run is enqueued, so its end cannot be missed."""

    def __init__(self, execution_id: str):
        self.execution_id = str(execution_id)
        self.layer = get_channel_layer()
        self.group = events.group_for(f"execution:{self.execution_id}")
        self.channel = None

    async def __aenter__(self) -> FinishListener:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.layer.group_discard(self.group, self.channel)

    async def wait(self, timeout: float) -> dict | None:
        """The finishing event's data, or None when `timeout` seconds pass first."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = await asyncio.wait_for(self.layer.receive(self.channel), remaining)
            except TimeoutError:
                return None
            event = message.get("event") or {}
            if event.get("type") in FINISH_EVENTS:
                return event.get("data") or {}
        return None
