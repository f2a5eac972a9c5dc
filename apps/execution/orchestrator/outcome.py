"""RunOutcome and the final-output rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apps.execution.results import NodeResult
from apps.execution.topology import Topology

COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"
INTERRUPTED = "interrupted"  # paused (interrupts.py): resumed later from its checkpoint


@dataclass(frozen=True)
class RunOutcome:
    status: str  # completed | failed | cancelled
    final_output: Any = None
    error: str = ""
    error_code: str | None = None
    node_results: dict[str, NodeResult] = field(default_factory=dict)
    node_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_usage: dict[str, Any] = field(default_factory=dict)
    messages: list[Any] = field(default_factory=list)
    duration_ms: float = 0.0
    failed_node_id: str | None = None
    pause: dict[str, Any] | None = None  # {"node_id", "reason", "delay_seconds", "prompt"} when interrupted


def final_output(topology: Topology, node_results: dict[str, NodeResult]) -> Any:
    """The outputs of the last node(s) that ran.

    A successful node is "last" when none of its flow successors succeeded. One such node: its
    outputs dict (e.g. {"output": "..."}); several (parallel branches that never merged): a dict
    {node_id: outputs} in topological order; none: None.
    """
    last = [
        node_id
        for node_id in topology.order
        if (r := node_results.get(node_id)) is not None
        and r.ok
        and not any(
            (s := node_results.get(e.target)) is not None and s.ok for e in topology.outgoing.get(node_id, ())
        )
    ]
    if not last:
        return None
    if len(last) == 1:
        return node_results[last[0]].data
    return {node_id: node_results[node_id].data for node_id in last}
