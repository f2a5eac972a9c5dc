"""NodeReporter: how the orchestrator tells the outside world about each node (logs, broadcasts)."""

from __future__ import annotations

import threading
from typing import Any, Protocol, runtime_checkable

from apps.execution.results import NodeResult


@runtime_checkable
class NodeReporter(Protocol):
    """Called from worker threads (parallel branches): implementations must be thread-safe."""

    def node_running(self, node_id: str, input: Any) -> None: ...

    def node_finished(self, node_id: str, result: NodeResult) -> None: ...

    def should_cancel(self) -> bool: ...


class InMemoryReporter:
    """Records events in order; `cancel()` makes the next node boundary stop the run."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, Any]] = []  # (kind, node_id, input or NodeResult)
        self._lock = threading.Lock()
        self._cancel = threading.Event()

    def node_running(self, node_id: str, input: Any) -> None:
        with self._lock:
            self.events.append(("running", node_id, input))

    def node_finished(self, node_id: str, result: NodeResult) -> None:
        with self._lock:
            self.events.append((str(result.status), node_id, result))

    def should_cancel(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def statuses(self) -> dict[str, str]:
        """node_id -> last reported status."""
        with self._lock:
            return {node_id: kind for kind, node_id, _ in self.events}

    def sequence(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(kind, node_id) for kind, node_id, _ in self.events]
