"""run_graph: the one entry point that runs a workflow snapshot from a firing trigger."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from apps.execution.graph import GraphSnapshot
from apps.execution.orchestrator.bridge import ReporterBridge
from apps.execution.orchestrator.compiler import compile_plan
from apps.execution.orchestrator.outcome import (
    CANCELLED,
    COMPLETED,
    FAILED,
    INTERRUPTED,
    RunOutcome,
    final_output,
)
from apps.execution.orchestrator.reporter import NodeReporter
from apps.execution.orchestrator.run_context import CONFIG_KEY, RunContext
from apps.execution.orchestrator.step import TIMEOUT_CODE
from apps.execution.results import NodeResult
from apps.execution.state import initial_state
from apps.execution.topology import GraphError
from apps.workflows import registry


def run_graph(
    snapshot: GraphSnapshot,
    trigger_node_id: str,
    trigger_payload: dict[str, Any] | None,
    reporter: NodeReporter,
    *,
    execution_id: str,
    retry_backoff_seconds: float = 1.0,
    sub_component_resolver: Callable[[Any], Any] | None = None,
    get_spec: Callable[[str], registry.NodeTypeSpec] = registry.get,
    preset: dict[str, NodeResult] | None = None,
    resumed_node: str | None = None,
    resume_input: Any = None,
) -> RunOutcome:
    """Run the nodes reachable from `trigger_node_id`; every reachable node is reported exactly once.

    With `snapshot.max_execution_seconds` set, the run is failed (ExecutionTimeoutError) when it is not
    done in time: node boundaries stop starting work after the deadline, and if a component is still
    busy when the limit passes, run_graph returns anyway (the late component's result is discarded and
    nothing more is reported).

    Every `reporter` call is made on the calling thread (see bridge.py), in order.

    Pauses: a node returning `_delay_seconds` > 0 or `_interrupt` is reported `waiting` and the run ends `interrupted`
    (RunOutcome.pause); nodes after it are not reported. To resume, call run_graph again with `preset`
    (the results of the nodes that already ran: replayed, not re-run or re-reported), `resumed_node` and
    optionally `resume_input` (the paused node sees it as ctx.resume_input).
    """
    started = time.monotonic()
    try:
        plan = compile_plan(snapshot, trigger_node_id, get_spec=get_spec)
    except GraphError as exc:
        return RunOutcome(status=FAILED, error=str(exc), error_code="invalid_graph")
    limit = snapshot.max_execution_seconds
    bridge = ReporterBridge(reporter)
    run = RunContext(
        reporter=bridge,
        execution_id=execution_id,
        workflow_slug=snapshot.workflow_slug,
        trigger_node_id=trigger_node_id,
        deadline=None if limit is None else started + float(limit),
        retry_backoff_seconds=retry_backoff_seconds,
        sub_component_resolver=sub_component_resolver,
        get_spec=get_spec,
        preset=dict(preset or {}),
        resumed_node=resumed_node,
        resume_input=resume_input,
        _order=plan.topology.order,
    )
    config = {"configurable": {CONFIG_KEY: run}, "recursion_limit": plan.recursion_limit}
    state_in = initial_state(trigger=dict(trigger_payload or {}), execution_id=execution_id)

    def invoke() -> None:
        try:
            bridge.done(("ok", plan.graph.invoke(state_in, config=config)))
        except BaseException as exc:  # reported by the calling thread
            bridge.done(("error", exc))

    threading.Thread(target=invoke, name=f"pipelit-run-{execution_id}", daemon=True).start()
    try:
        finished, value = bridge.serve(run.deadline)
    except Exception as exc:  # the reporter itself failed: stop the run
        run.abandon()
        return _failed(run, started, f"reporter error: {exc}", "reporter_error")
    if not finished:
        return _abandon(run, bridge, started)
    kind, payload = value
    if kind == "error":  # an engine bug must still end the execution cleanly
        return _failed(run, started, f"engine error: {payload}", "engine_error")
    return _outcome(payload, plan.topology, run, started)


def _failed(run: RunContext, started: float, error: str, error_code: str) -> RunOutcome:
    return RunOutcome(
        status=FAILED,
        error=error,
        error_code=error_code,
        node_results=dict(run.results),
        duration_ms=_ms(started),
    )


def _abandon(run: RunContext, bridge: ReporterBridge, started: float) -> RunOutcome:
    """The wall-clock limit passed while the graph was still running: report the rest and return."""
    message = "execution exceeded max_execution_seconds"
    pending, running = run.abandon()
    bridge.close(deliver=True)
    for node_id in pending:
        result = (
            NodeResult.failed(message, TIMEOUT_CODE)
            if node_id in running
            else NodeResult.skipped(f"execution failed: {message}")
        )
        run.results[node_id] = result
        bridge.reporter.node_finished(node_id, result)
    return _failed(run, started, message, TIMEOUT_CODE)


def _outcome(state: dict[str, Any], topology, run: RunContext, started: float) -> RunOutcome:
    results: dict[str, NodeResult] = dict(state.get("node_results") or {})
    halt = state.get("halt")
    common = {
        "node_results": results,
        "node_outputs": dict(state.get("node_outputs") or {}),
        "token_usage": dict(state.get("token_usage") or {}),
        "messages": list(state.get("messages") or []),
        "duration_ms": _ms(started),
    }
    if halt and halt["status"] == INTERRUPTED:
        pause = {k: halt.get(k) for k in ("node_id", "delay_seconds", "prompt")}
        return RunOutcome(status=INTERRUPTED, pause=pause, **common)
    if halt:
        status = CANCELLED if halt["status"] == "cancelled" else FAILED
        return RunOutcome(
            status=status,
            error=halt["error"],
            error_code=halt["error_code"],
            failed_node_id=halt.get("node_id"),
            **common,
        )
    if run.timed_out():
        return RunOutcome(
            status=FAILED, error="execution exceeded max_execution_seconds", error_code=TIMEOUT_CODE, **common
        )
    return RunOutcome(status=COMPLETED, final_output=final_output(topology, results), **common)


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 3)
