"""Wait for an execution to finish by listening for its completion event (never by polling).

A caller that waits creates the run with a `finish_channel`: an internal event channel on which the
worker publishes the run's finish event too (services/executions.py), so the waiting process is not
handed the run's node events to find the one it waits for. No socket may subscribe to it (its kind
has no authorizer in events.py).

- `Waiters`: the server process's own channel, joined once on daphne's event loop and kept; each
  waiting request registers a thread-safe future under its execution id and blocks its own thread on
  it. No SUBSCRIBE per request, nothing to leave afterwards.
- `FinishListener`: one channel for one wait, on the caller's own event loop (a request served
  without daphne's loop, e.g. the test client).

Either way the channel is joined BEFORE the run is enqueued, so its end cannot be missed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import uuid

from channels.layers import get_channel_layer

from pipelit import events

logger = logging.getLogger(__name__)

FINISH_EVENTS = {"execution_completed", "execution_failed", "execution_cancelled"}
JOIN_TIMEOUT_SECONDS = 30.0


def new_finish_channel() -> str:
    return f"waiters:{uuid.uuid4().hex}"


def _finish_data(message: dict) -> dict | None:
    if message.get("type") != events.MESSAGE_TYPE:
        return None
    event = events.event_of(message)
    return (event.get("data") or {}) if event.get("type") in FINISH_EVENTS else None


class Waiters:
    """The finish events one server process waits for, on one channel of its own (see module doc)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.channel = new_finish_channel()
        self._futures: dict[str, concurrent.futures.Future] = {}
        self._lock = threading.Lock()
        self._joining = asyncio.run_coroutine_threadsafe(self._join(), loop)

    async def _join(self) -> None:
        await get_channel_layer().group_sink_add(events.group_for(self.channel), self._deliver)

    def failed(self) -> bool:
        """The join ended in an error (Redis was down): a new Waiters must try again."""
        return self._joining.done() and self._joining.exception() is not None

    def expect(self, execution_id: str) -> concurrent.futures.Future:
        """A future for the finish event of `execution_id`; call before the run is enqueued. Blocks
        only until the channel is joined (the first time); raises what the join raised."""
        self._joining.result(JOIN_TIMEOUT_SECONDS)
        future: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            self._futures[execution_id] = future
        return future

    def forget(self, execution_id: str) -> None:
        with self._lock:
            self._futures.pop(execution_id, None)

    def waiting(self) -> int:
        with self._lock:
            return len(self._futures)

    def _deliver(self, messages: list[dict]) -> None:
        for message in messages:
            data = _finish_data(message)
            if data is None:
                continue
            with self._lock:
                future = self._futures.pop(str(data.get("execution_id")), None)
            if future is not None and not future.done():
                future.set_result(data)


_process_waiters: Waiters | None = None
_process_lock = threading.Lock()


def process_waiters(loop: asyncio.AbstractEventLoop) -> Waiters:
    """This process's Waiters on `loop` (daphne's), made on first use and again after a failed join."""
    global _process_waiters
    with _process_lock:
        if _process_waiters is None or _process_waiters.loop is not loop or _process_waiters.failed():
            _process_waiters = Waiters(loop)
        return _process_waiters


def wait_for(future: concurrent.futures.Future, timeout: float) -> dict | None:
    """The finishing event's data, or None when `timeout` seconds pass first."""
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        return None


class FinishListener:
    """A channel of its own for one wait, on the running event loop: `async with FinishListener() as
    listener`, create the run with `finish_channel=listener.channel_name`, then `await listener.wait()`.

    It joins as a sink (pipelit/channel_layer.py `group_sink_add`), with no Redis channel for the
    member itself. Leaving is not awaited: the answer goes out first, the UNSUBSCRIBE follows."""

    def __init__(self):
        self.channel_name = new_finish_channel()
        self.layer = get_channel_layer()
        self.group = events.group_for(self.channel_name)
        self.member = None
        self._finished: asyncio.Future | None = None

    async def __aenter__(self) -> FinishListener:
        self._finished = asyncio.get_running_loop().create_future()
        self.member = await self.layer.group_sink_add(self.group, self._deliver)
        return self

    async def __aexit__(self, *exc) -> None:
        self.layer.remove_sink(self.member)
        _in_background(self.layer.group_discard(self.group, self.member))

    def _deliver(self, messages: list[dict]) -> None:
        for message in messages:
            data = _finish_data(message)
            if data is not None and not self._finished.done():
                self._finished.set_result(data)

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
                logger.warning("leaving a finish channel's group failed: %s", finished.exception())

    task.add_done_callback(done)
