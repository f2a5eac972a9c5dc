"""Wait for an execution to finish by listening for its completion event (never by polling)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from channels.layers import get_channel_layer

from pipelit import events

logger = logging.getLogger(__name__)

FINISH_EVENTS = {"execution_completed", "execution_failed", "execution_cancelled"}


class FinishListener:
    """Join `execution:<id>` BEFORE the run is enqueued, so its end cannot be missed.

    The listener joins the group as a sink (pipelit/channel_layer.py `group_sink_add`), with no Redis
    channel of its own: the reader hands each event of the execution straight to `_deliver`, which
    drops the node events without waking the waiting request and resolves a future with the finish
    event. Leaving the group is not awaited: the answer goes out first, the UNSUBSCRIBE follows in
    the background.
    """

    def __init__(self, execution_id: str):
        self.execution_id = str(execution_id)
        self.layer = get_channel_layer()
        self.group = events.group_for(f"execution:{self.execution_id}")
        self.channel = None
        self._finished: asyncio.Future | None = None

    async def __aenter__(self) -> FinishListener:
        self._finished = asyncio.get_running_loop().create_future()
        self.channel = await self.layer.group_sink_add(self.group, self._deliver)
        return self

    async def __aexit__(self, *exc) -> None:
        self.layer.remove_sink(self.channel)
        _in_background(self.layer.group_discard(self.group, self.channel))

    def _deliver(self, messages: list[dict]) -> None:
        for message in messages:
            event = message.get("event") or {}
            if event.get("type") in FINISH_EVENTS and not self._finished.done():
                self._finished.set_result(event.get("data") or {})

    async def wait(self, timeout: float) -> dict | None:
        """The finishing event's data, or None when `timeout` seconds pass first."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._finished), timeout)
        except TimeoutError:
            return None


_background: set[asyncio.Task] = set()


def _in_background(coroutine) -> None:
    """Run `coroutine` without waiting for it; failures are logged (the answer has gone out)."""
    task = asyncio.ensure_future(coroutine)
    _background.add(task)

    def done(finished: asyncio.Task) -> None:
        _background.discard(finished)
        with contextlib.suppress(asyncio.CancelledError):
            if finished.exception() is not None:
                logger.warning("leaving an execution's group failed: %s", finished.exception())

    task.add_done_callback(done)
