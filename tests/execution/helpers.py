"""Run small fixture workflows (tests/execution/fixtures/*.yaml) through the real engine, no database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from apps.execution import checkpoints
from apps.execution.graph import GraphSnapshot, snapshot_from_dict, snapshot_from_file
from apps.execution.orchestrator import InMemoryReporter, RunOutcome, run_graph
from apps.workflows import registry

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(path: str | Path) -> GraphSnapshot:
    path = Path(path)
    return snapshot_from_file(path if path.is_absolute() else FIXTURES / path)


def first_trigger(snapshot: GraphSnapshot) -> str:
    for node in snapshot.nodes:
        spec = registry.find(node.component_type)
        if spec is not None and spec.is_trigger:
            return node.node_id
    return snapshot.nodes[0].node_id


def run_snapshot(
    snapshot: GraphSnapshot | dict,
    payload: dict[str, Any] | None = None,
    *,
    trigger: str | None = None,
    reporter: InMemoryReporter | None = None,
    execution_id: str = "exec-test",
    **kwargs: Any,
) -> RunOutcome:
    if isinstance(snapshot, dict):
        snapshot = snapshot_from_dict(snapshot)
    kwargs.setdefault("retry_backoff_seconds", 0.001)
    # Each call its own checkpoints unless a test shares one (to resume a paused run).
    kwargs.setdefault("checkpointer", InMemorySaver(serde=checkpoints.serde()))
    return run_graph(
        snapshot,
        trigger or first_trigger(snapshot),
        payload or {},
        reporter if reporter is not None else InMemoryReporter(),
        execution_id=execution_id,
        **kwargs,
    )


def run_fixture_workflow(
    path: str | Path, payload: dict[str, Any] | None = None, **kwargs: Any
) -> RunOutcome:
    """Run fixture `path` (relative to tests/execution/fixtures) from its first trigger with `payload`."""
    return run_snapshot(load_fixture(path), payload, **kwargs)


def statuses(outcome: RunOutcome) -> dict[str, str]:
    return {node_id: str(result.status) for node_id, result in outcome.node_results.items()}
