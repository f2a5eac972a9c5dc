"""One node's lifecycle inside the LangGraph graph: decide, report, resolve, run (with retries), record."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from langchain_core.runnables import RunnableConfig

from apps.execution import expressions
from apps.execution.context import NodeContext
from apps.execution.graph import NodeSnapshot
from apps.execution.orchestrator.fan_in import liveness
from apps.execution.orchestrator.interrupts import WAIT, await_resume, pause_directive
from apps.execution.orchestrator.output import apply_output
from apps.execution.orchestrator.run_context import CONFIG_KEY, RunContext
from apps.execution.results import NodeError, NodeResult, NodeStatus
from apps.execution.topology import Topology
from apps.workflows.registry import UnknownNodeType

TIMEOUT_CODE = "ExecutionTimeoutError"
CANCELLED_CODE = "ExecutionCancelled"


def make_step(node: NodeSnapshot, topology: Topology, snapshot_nodes: dict[str, NodeSnapshot]):
    """The LangGraph node function for `node`; runtime things come from config["configurable"]."""
    node_id = node.node_id
    is_trigger = node_id == topology.trigger_node_id
    needs_resolution = expressions.needs_resolution(node.config)
    attached = MappingProxyType(
        {
            label: tuple(snapshot_nodes[i] for i in ids)
            for label, ids in topology.sub_components.get(node_id, {}).items()
        }
    )

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
        return _execute(run, node, state, inputs, needs_resolution, attached)

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
    needs_resolution: bool,
    attached: MappingProxyType,
) -> dict[str, Any]:
    """Run the component; a pause it asks for stops the run here (interrupts.py) until resumed."""
    resumed = node.node_id in run.resume_nodes
    answer = await_resume(run.resume_nodes[node.node_id]) if resumed else None
    update = _attempt(run, node, state, inputs, needs_resolution, attached, answer, resumed)
    pause = update.pop("_pause", None)
    if pause is None:
        return update
    # Raises GraphInterrupt: the run ends `interrupted`. It returns only when a recovered run finds
    # this pause already answered; then the component runs again with the answer.
    answer = await_resume(pause)
    return _attempt(run, node, state, inputs, needs_resolution, attached, answer, True)


def _attempt(run, node, state, inputs, needs_resolution, attached, resume_input, resumed) -> dict[str, Any]:
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    node_outputs = state.get("node_outputs") or {}
    trigger = state.get("trigger") or {}
    config = node.config
    if needs_resolution:
        context = expressions.build_context(node_outputs=node_outputs, trigger=trigger)
        config = expressions.resolve_value(config, context)
    ctx = NodeContext(
        node_id=node.node_id,
        component_type=node.component_type,
        config=config,
        inputs=MappingProxyType(inputs),
        trigger=trigger,
        node_outputs=MappingProxyType(node_outputs),
        execution_id=run.execution_id,
        workflow_slug=run.workflow_slug,
        trigger_node_id=run.trigger_node_id,
        state=MappingProxyType(
            {k: state.get(k) for k in ("route", "routes", "user_context", "variables", "messages")}
        ),
        deadline=run.deadline,
        sub_components=attached,
        sub_component_resolver=run.sub_component_resolver,
        resume_input=resume_input,
    )
    raw, error, attempts = _run_with_retries(run, node, ctx)
    timing = {
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        "retry_count": attempts - 1,
    }
    if error is not None:
        message, code = error
        return _fail(run, node.node_id, _stamp(NodeResult.failed(message, code, **timing), started_at))
    try:
        data, update, metadata = apply_output(node.node_id, raw)
    except Exception as exc:  # a malformed directive is the component's failure, not the engine's
        failed = NodeResult.failed(str(exc), "invalid_output", **timing)
        return _fail(run, node.node_id, _stamp(failed, started_at))
    pause = None if resumed else pause_directive(metadata)
    if pause is not None:
        status = NodeStatus.WAITING if pause["reason"] == WAIT else NodeStatus.INTERRUPTED
        extra = {"delay_seconds": pause["delay_seconds"], "reason": pause["reason"]}
        waiting = NodeResult(status=status, data=data, metadata={**metadata, **timing, **extra})
        run.report_finished(node.node_id, _stamp(waiting, started_at))
        return {"_pause": pause}
    result = _stamp(
        NodeResult(status=NodeStatus.SUCCESS, data=data, metadata={**metadata, **timing}), started_at
    )
    run.report_finished(node.node_id, result)
    update["node_results"] = {node.node_id: result}
    return update


def _fail(run: RunContext, node_id: str, result: NodeResult) -> dict[str, Any]:
    run.report_finished(node_id, result)
    return {
        "node_results": {node_id: result},
        "halt": _halt("failed", result.error or "", result.error_code or "", node_id),
    }


def _stamp(result: NodeResult, started_at: datetime) -> NodeResult:
    return replace(result, started_at=started_at)


def _run_with_retries(run: RunContext, node: NodeSnapshot, ctx: NodeContext):
    """(raw output, None, attempts) or (None, (message, error_code), attempts)."""
    attempts = 0
    while True:
        attempts += 1
        try:
            spec = run.get_spec(node.component_type)
            if spec.run is None:
                raise NodeError(
                    f"node type {node.component_type!r} cannot be executed", "not_executable", retryable=False
                )
            return spec.run(ctx), None, attempts
        except NodeError as exc:
            error = (str(exc), exc.error_code)
            retryable = exc.retryable
        except UnknownNodeType as exc:
            error = (f"unknown node type {exc}", "unknown_node_type")
            retryable = False
        except KeyError as exc:
            error = (f"missing key {exc}", "KeyError")
            retryable = True
        except Exception as exc:
            error = (str(exc) or exc.__class__.__name__, exc.__class__.__name__)
            retryable = True
        if not retryable or attempts > node.max_retries:
            return None, error, attempts
        time.sleep(run.retry_backoff_seconds * 2 ** (attempts - 1))
        if run.timed_out() or run.reporter.should_cancel() or run.abandoned.is_set():
            return None, error, attempts
