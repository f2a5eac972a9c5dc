"""Wait for an execution to finish by listening for its completion event (never by polling)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging

from channels.layers import get_channel_layer

from pipelit import events

logger = logging.getLogger(__name__)

FINISH_EVENTS = {"execution_completed", "execution_failed", "execution_cancelled"}


def finish_channel(execution_id) -> str:
    """Where an execution's finish event is also published (services/executions.py), alone: a waiting
    caller listens here instead of on `execution:<id>`, so its process is not handed every node event
    of the run (~14 messages) to find the one it waits for. Internal: no socket may subscribe to it."""
    return f"execution-finish:{execution_id}"


JOIN_TIMEOUT_SECONDS = 30.0


class FinishListener:
    """Join the execution's finish channel BEFORE the run is enqueued, so its end cannot be missed.

    The listener joins the group as a sink (pipelit/channel_layer.py `group_sink_add`), with no Redis
    channel of its own: the reader hands each event on that channel straight to `_deliver`, which
    resolves a future with the finish
    event. Leaving the group is not awaited: the answer goes out first, the UNSUBSCRIBE follows in
    the background.
    """

    def __init__(self, execution_id: str):
        self.execution_id = str(execution_id)
        self.layer = get_channel_layer()
        self.group = events.group_for(finish_channel(self.execution_id))
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


class FinishWaiter:
    """FinishListener for a request's own thread, with the channel layer on the server's event loop.

    Joining starts at construction and runs on `loop` while the thread goes on (auth, lookups);
    `joined()` blocks until the SUBSCRIBE is confirmed, so call it before the run is enqueued. The
    sink resolves a thread-safe future, so `wait()` blocks the thread only, never the loop. `leave()`
    is not awaited: it runs on the loop after the join, whether the join succeeded or not.
    """

    def __init__(self, execution_id: str, loop: asyncio.AbstractEventLoop):
        self.group = events.group_for(finish_channel(execution_id))
        self.channel = None
        self._loop = loop
        self._finished: concurrent.futures.Future = concurrent.futures.Future()
        self._joining = asyncio.run_coroutine_threadsafe(self._join(), loop)

    async def _join(self) -> None:
        self.channel = await get_channel_layer().group_sink_add(self.group, self._deliver)

    def _deliver(self, messages: list[dict]) -> None:
        for message in messages:
            event = message.get("event") or {}
            if event.get("type") in FINISH_EVENTS and not self._finished.done():
                self._finished.set_result(event.get("data") or {})

    def joined(self, timeout: float = JOIN_TIMEOUT_SECONDS) -> None:
        """Block until the group is joined; raises what the join raised (RedisError, TimeoutError)."""
        self._joining.result(timeout)

    def wait(self, timeout: float) -> dict | None:
        """The finishing event's data, or None when `timeout` seconds pass first."""
        try:
            return self._finished.result(timeout)
        except concurrent.futures.TimeoutError:
            return None

    def leave(self) -> None:
        asyncio.run_coroutine_threadsafe(self._leave(), self._loop)

    async def _leave(self) -> None:
        with contextlib.suppress(Exception):  # a failed join left at most a sink and a group entry
            await asyncio.wrap_future(self._joining)
        layer = get_channel_layer()
        channel = self.channel
        if channel is None:  # the join failed before it had a name: find the sink by its function
            channel = next((name for name, sink in layer.sinks.items() if sink == self._deliver), None)
            if channel is None:
                return
        layer.remove_sink(channel)
        _in_background(layer.group_discard(self.group, channel))
