"""One node's lifecycle inside the LangGraph graph: decide, report, resolve, run (with retries), record."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphInterrupt

from apps.execution.graph import NodeSnapshot
from apps.execution.orchestrator.fan_in import liveness
from apps.execution.orchestrator.interrupts import WAIT, await_resume, pause_directive
from apps.execution.orchestrator.invoke import STATE_VIEW_KEYS, Scope, invoke
from apps.execution.orchestrator.run_context import CONFIG_KEY, RunContext
from apps.execution.results import NodeResult, NodeStatus
from apps.execution.topology import Topology

TIMEOUT_CODE = "ExecutionTimeoutError"
CANCELLED_CODE = "ExecutionCancelled"


def make_step(node: NodeSnapshot, topology: Topology, snapshot_nodes: dict[str, NodeSnapshot]):
    """The LangGraph node function for `node`; runtime things come from config["configurable"]."""
    node_id = node.node_id
    is_trigger = node_id == topology.trigger_node_id

    def step(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        run: RunContext = config["configurable"][CONFIG_KEY]
        if run.abandoned.is_set():
            return {}
        if node_id in run.preset:
            return _replay(run, node_id, run.preset[node_id])
        halt = state.get("halt") or _boundary_halt(run, node_id)
        if halt:
            return _skip(run, node_id, f"execution {halt['status']}: {halt['error']}", halt)
        if is_trigger:
            inputs: dict[str, Any] = {}
            shown_input: Any = state.get("trigger")
        else:
            live = liveness(node_id, topology, state)
            if not live.live_sources:
                return _skip(run, node_id, live.reason)
            outputs = state.get("node_outputs") or {}
            inputs = {src: outputs.get(src, {}) for src in live.live_sources}
            shown_input = inputs
        run.report_running(node_id, shown_input)
        return _execute(run, node, state, inputs, topology, snapshot_nodes)

    step.__name__ = f"step_{node_id}"
    return step


def _replay(run: RunContext, node_id: str, result: NodeResult) -> dict[str, Any]:
    """A node that ran before the pause: its recorded result, without running or reporting it again."""
    run.replayed(node_id, result)
    update: dict[str, Any] = {"node_results": {node_id: result}}
    if result.ok:
        update["node_outputs"] = {node_id: dict(result.data or {})}
        route = (result.metadata or {}).get("route")
        if route is not None:
            update["routes"] = {node_id: str(route)}
    return update


def _boundary_halt(run: RunContext, node_id: str) -> dict[str, Any] | None:
    if run.timed_out():
        return _halt("failed", "execution exceeded max_execution_seconds", TIMEOUT_CODE, node_id)
    if run.reporter.should_cancel():
        return _halt("cancelled", "execution was cancelled", CANCELLED_CODE, node_id)
    return None


def _halt(status: str, error: str, error_code: str, node_id: str) -> dict[str, Any]:
    return {"status": status, "error": error, "error_code": error_code, "node_id": node_id}


def _skip(run: RunContext, node_id: str, reason: str, halt: dict | None = None) -> dict[str, Any]:
    result = NodeResult.skipped(reason)
    run.report_finished(node_id, result)
    update: dict[str, Any] = {"node_results": {node_id: result}}
    if halt:
        update["halt"] = halt
    return update


def _execute(
    run: RunContext,
    node: NodeSnapshot,
    state: dict[str, Any],
    inputs: dict[str, Any],
    topology: Topology,
    snapshot_nodes: dict[str, NodeSnapshot],
) -> dict[str, Any]:
    """Run the component; a pause it asks for stops the run here (interrupts.py) until resumed."""
    resumed = node.node_id in run.resume_nodes
    answer = await_resume(run.resume_nodes[node.node_id]) if resumed else None
    while True:
        update = _attempt(run, node, state, inputs, topology, snapshot_nodes, answer, resumed)
        pause = update.pop("_pause", None)
        if pause is None:
            return update
        try:
            # Raises GraphInterrupt: the run ends `interrupted`. It returns when this pause was already
            # answered (a recovered run, or a repeating component being replayed): the component then
            # runs again with that answer.
            answer = await_resume(pause)
        except GraphInterrupt:
            run.report_finished(node.node_id, update["_waiting"])
            raise
        resumed = True


def _attempt(run, node, state, inputs, topology, snapshot_nodes, resume_input, resumed) -> dict[str, Any]:
    scope = Scope(
        node_outputs=state.get("node_outputs") or {},
        trigger=state.get("trigger") or {},
        state={k: state.get(k) for k in STATE_VIEW_KEYS},
    )
    inv = invoke(run, node, topology, snapshot_nodes, scope, inputs, resume_input=resume_input)
    if inv.error is not None:
        message, code = inv.error
        return _fail(
            run, node.node_id, _stamp(NodeResult.failed(message, code, **inv.timing), inv.started_at)
        )
    pause = pause_directive(inv.metadata, resumed=resumed)
    if pause is not None:
        status = NodeStatus.WAITING if pause["reason"] == WAIT else NodeStatus.INTERRUPTED
        extra = {"delay_seconds": pause["delay_seconds"], "reason": pause["reason"]}
        waiting = NodeResult(
            status=status,
            data=inv.data,
            metadata={**inv.metadata, **inv.timing, **extra},
            started_at=inv.started_at,
        )
        return {"_pause": pause, "_waiting": waiting}
    result = NodeResult(
        status=NodeStatus.SUCCESS,
        data=inv.data,
        metadata={**inv.metadata, **inv.timing},
        started_at=inv.started_at,
    )
    run.report_finished(node.node_id, result)
    update = inv.update
    update["node_results"] = {node.node_id: result}
    return update


def _fail(run: RunContext, node_id: str, result: NodeResult) -> dict[str, Any]:
    run.report_finished(node_id, result)
    status = "cancelled" if result.error_code == CANCELLED_CODE else "failed"  # e.g. cancelled mid-loop
    return {
        "node_results": {node_id: result},
        "halt": _halt(status, result.error or "", result.error_code or "", node_id),
    }


def _stamp(result: NodeResult, started_at: datetime) -> NodeResult:
    return replace(result, started_at=started_at)
