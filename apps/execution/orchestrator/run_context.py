"""RunContext: the per-execution things node steps need (reporter, deadline, retry policy)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apps.execution.orchestrator.reporter import NodeReporter
from apps.execution.results import NodeResult, NodeStatus
from apps.workflows import registry

CONFIG_KEY = "pipelit_run"
PAUSED = (NodeStatus.WAITING, NodeStatus.INTERRUPTED)


@dataclass
class RunContext:
    reporter: NodeReporter
    execution_id: str
    workflow_slug: str
    trigger_node_id: str
    deadline: float | None = None
    retry_backoff_seconds: float = 1.0
    sub_component_resolver: Callable[[Any], Any] | None = None
    get_spec: Callable[[str], registry.NodeTypeSpec] = registry.get
    # Recovering a run whose worker died: results already logged (replayed, not run or reported again).
    preset: dict[str, NodeResult] = field(default_factory=dict)
    # Resuming a paused run: node id -> its pause, for the nodes LangGraph runs again (interrupts.py).
    resume_nodes: dict[str, dict] = field(default_factory=dict)
    # Set when run_graph gave up waiting (wall-clock limit): late steps must not report anything.
    abandoned: threading.Event = field(default_factory=threading.Event)
    results: dict[str, NodeResult] = field(default_factory=dict)
    _order: tuple[str, ...] = ()
    running: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def timed_out(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    # Reporter calls happen under the lock (they only enqueue, see bridge.py) so that `abandon` sees
    # every recorded result's event already queued.
    def report_running(self, node_id: str, input: Any) -> None:
        with self._lock:
            if self.abandoned.is_set():
                return
            self.running.add(node_id)
            self.reporter.node_running(node_id, input)

    def report_finished(self, node_id: str, result: NodeResult) -> None:
        enqueue = getattr(self.reporter, "enqueue_finished", None)
        with self._lock:
            earlier = self.results.get(node_id)
            if self.abandoned.is_set() or (earlier is not None and earlier.status not in PAUSED):
                return
            self.results[node_id] = result
            self.running.discard(node_id)
            if enqueue is None:
                self.reporter.node_finished(node_id, result)
                return
            reply = enqueue(node_id, result)
        if reply is not None:  # outside the lock: `abandon` (on the serving thread) may need it
            reply.event.wait()

    # A loop body node is reported once per iteration (its result carries `iteration` metadata); it is
    # not a node of the graph, so these never count towards `results`.
    def report_iteration_running(self, node_id: str, input: Any) -> None:
        with self._lock:
            if not self.abandoned.is_set():
                self.reporter.node_running(node_id, input)

    def report_iteration_finished(self, node_id: str, result: NodeResult) -> None:
        with self._lock:
            if not self.abandoned.is_set():
                self.reporter.node_finished(node_id, result)

    def replayed(self, node_id: str, result: NodeResult) -> None:
        with self._lock:
            self.results[node_id] = result

    def abandon(self) -> tuple[list[str], set[str]]:
        """Stop all reporting from steps; -> (node ids with no result yet in `order`, those running)."""
        with self._lock:
            self.abandoned.set()
            return [n for n in self._order if n not in self.results], set(self.running)
