"""ReporterBridge: every NodeReporter call runs on the thread that called run_graph.

LangGraph runs parallel branches on worker threads. A Django-backed reporter (ExecutionLog rows,
broadcasts) must not run there: each thread would open its own database connection, and SQLite test
databases are not shared across threads. So the graph runs on a worker thread, node steps only
enqueue `node_running` (FIFO, so the order is kept), while `node_finished` and `should_cancel` are
synchronous round trips served by the calling thread (`should_cancel` is called directly when the
reporter declares it thread-safe).

With `batch=True` (a light plan, compiler.py: nothing is checkpointed per step, so there is no order
of log row before checkpoint to keep) `node_finished` only enqueues, and a reporter that can batch
(`set_batching`/`flush`) writes its records when it chooses; `flush()` at the end of the run. A
reporter that says its batching calls touch no database (`batch_thread_safe = True`: they keep the
record and publish the event) is then called straight from the steps: the calling thread is not
woken twice per node, and it only waits for the end of the run (and ticks).
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

from apps.execution.orchestrator.reporter import NodeReporter

RUNNING = "running"
FINISHED = "finished"
CANCEL = "cancel"
DONE = "done"
POLL_SECONDS = 0.05


class _Reply:
    __slots__ = ("event", "value")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.value = True


class ReporterBridge:
    def __init__(self, reporter: NodeReporter, *, batch: bool = False) -> None:
        self.reporter = reporter
        self._wait_for_records = not batch
        if batch and hasattr(reporter, "set_batching"):
            reporter.set_batching(True)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        # Optional `tick()`: called on the calling thread about every POLL_SECONDS while the graph runs
        # (the worker's heartbeat; it keeps beating while a long node is busy).
        self._tick = getattr(reporter, "tick", None)
        # A reporter whose `should_cancel` is safe on any thread (e.g. a Redis flag, no ORM) says so with
        # `cancel_check_thread_safe = True`: the steps then call it directly, without a round trip.
        self._direct_cancel = bool(getattr(reporter, "cancel_check_thread_safe", False))
        self._direct = batch and bool(getattr(reporter, "batch_thread_safe", False))

    # --- the worker side: NodeReporter for the steps -----------------------------------------------
    def node_running(self, node_id: str, input: Any) -> None:
        if self._direct:
            if not self._closed:
                self.reporter.node_running(node_id, input)
            return
        self._queue.put((RUNNING, node_id, input))

    def node_finished(self, node_id: str, result: Any) -> None:
        """Waits until the result is recorded: a node's log row exists before its checkpoint does, so a
        run recovered after a crash never loses a finished node (services/recovery.py)."""
        reply = self.enqueue_finished(node_id, result)
        if reply is not None:
            reply.event.wait()

    def enqueue_finished(self, node_id: str, result: Any) -> _Reply | None:
        """node_finished in two halves: queue it now (keeps the order), wait on the reply later (None:
        nothing to wait for)."""
        if self._direct:
            if not self._closed:
                self.reporter.node_finished(node_id, result)
            return None
        reply = _Reply() if self._wait_for_records else None
        with self._lock:
            if self._closed:
                return None
            self._queue.put((FINISHED, node_id, (result, reply)))
        return reply

    def should_cancel(self) -> bool:
        if self._direct_cancel:  # no round trip: the reporter's check touches no database
            with self._lock:
                if self._closed:
                    return True
            return bool(self.reporter.should_cancel())
        reply = _Reply()
        with self._lock:
            if self._closed:
                return True
            self._queue.put((CANCEL, reply, None))
        reply.event.wait()
        return reply.value

    def done(self, value: Any = None) -> None:
        self._queue.put((DONE, value, None))

    def flush(self) -> None:
        """On the calling thread, after serving: the reporter writes what it batched."""
        flush = getattr(self.reporter, "flush", None)
        if flush is not None:
            flush()

    # --- the calling thread ----------------------------------------------------------------------
    def serve(self, deadline: float | None) -> tuple[bool, Any]:
        """Dispatch queued calls until the worker is done -> (True, its value), or the deadline passes
        -> (False, None). Exceptions from the real reporter propagate (after `close`)."""
        try:
            while True:
                timeout = POLL_SECONDS if deadline is None else min(POLL_SECONDS, deadline - time.monotonic())
                if timeout <= 0:
                    return False, None
                if self._tick is not None:
                    self._tick()
                try:
                    kind, first, second = self._queue.get(timeout=timeout)
                except queue.Empty:
                    continue
                if kind == DONE:
                    return True, first
                self._dispatch(kind, first, second)
        except BaseException:
            self.close()
            raise

    def close(self, *, deliver: bool = False) -> None:
        """Stop serving: late calls are dropped and waiting steps are told to cancel. With `deliver`,
        calls already queued are still passed on to the reporter first."""
        with self._lock:
            self._closed = True
        while True:
            try:
                kind, first, second = self._queue.get_nowait()
            except queue.Empty:
                return
            if kind == CANCEL:
                first.event.set()
            elif deliver and kind != DONE:
                self._dispatch(kind, first, second)
            elif kind == FINISHED and second[1] is not None:
                second[1].event.set()

    def _dispatch(self, kind: str, first: Any, second: Any) -> None:
        if kind == RUNNING:
            self.reporter.node_running(first, second)
        elif kind == FINISHED:
            result, reply = second
            try:
                self.reporter.node_finished(first, result)
            finally:
                if reply is not None:
                    reply.event.set()
        elif kind == CANCEL:
            try:
                first.value = bool(self.reporter.should_cancel())
            finally:
                first.event.set()
