"""run_graph: the one entry point that runs a workflow snapshot from a firing trigger."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from apps.execution import checkpoints
from apps.execution.graph import GraphSnapshot
from apps.execution.orchestrator import interrupts
from apps.execution.orchestrator.bridge import ReporterBridge
from apps.execution.orchestrator.compiler import compile_plan
from apps.execution.orchestrator.interrupts import Resume
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
from apps.execution.results import NodeResult, NodeStatus
from apps.execution.sandbox.session import sandbox_session
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
    resume: Resume | None = None,
    recover: bool = False,
    checkpointer: Any = None,
) -> RunOutcome:
    """Run the nodes reachable from `trigger_node_id`; every reachable node is reported exactly once.

    The graph state is checkpointed after every superstep (thread_id = execution_id) in `checkpointer`
    (default: the process's, see apps/execution/checkpoints.py). A light plan (compiler.py: only quick
    nodes without outside effects, nothing that pauses) is not: it runs on a checkpointer of its own
    in memory, and a run recovered after a crash starts over, replaying the nodes already logged.

    With `snapshot.max_execution_seconds` set, the run is failed (ExecutionTimeoutError) when it is not
    done in time: node boundaries stop starting work after the deadline, and if a component is still
    busy when the limit passes, run_graph returns anyway (the late component's result is discarded and
    nothing more is reported).

    Every `reporter` call is made on the calling thread (see bridge.py), in order.

    Pauses (interrupts.py): the run ends `interrupted` (RunOutcome.pause) when a node asks to wait or a
    breakpoint is reached; call run_graph again with the same execution_id and `resume` to continue.
    `recover=True`: continue from the last checkpoint of a run whose worker died; `preset` holds the
    results already logged (replayed for nodes the checkpoint had not recorded yet).
    """
    started = time.monotonic()
    try:
        plan = compile_plan(snapshot, trigger_node_id, get_spec=get_spec)
    except GraphError as exc:
        return RunOutcome(status=FAILED, error=str(exc), error_code="invalid_graph")
    limit = snapshot.max_execution_seconds
    bridge = ReporterBridge(reporter, batch=plan.light)
    outcome = _run_plan(
        plan,
        bridge,
        started,
        trigger_payload,
        execution_id=execution_id,
        workflow_slug=snapshot.workflow_slug,
        trigger_node_id=trigger_node_id,
        deadline=None if limit is None else started + float(limit),
        run_options={
            "retry_backoff_seconds": retry_backoff_seconds,
            "sub_component_resolver": sub_component_resolver,
            "get_spec": get_spec,
            "preset": dict(preset or {}),
        },
        resume=resume,
        recover=recover,
        checkpointer=checkpointer,
    )
    try:  # what a batching reporter still holds
        bridge.flush()
    except Exception as exc:
        return dataclasses.replace(
            outcome, status=FAILED, error=f"reporter error: {exc}", error_code="reporter_error"
        )
    return outcome


def _run_plan(
    plan,
    bridge: ReporterBridge,
    started: float,
    trigger_payload: dict[str, Any] | None,
    *,
    execution_id: str,
    workflow_slug: str,
    trigger_node_id: str,
    deadline: float | None,
    run_options: dict[str, Any],
    resume: Resume | None,
    recover: bool,
    checkpointer: Any,
) -> RunOutcome:
    run = RunContext(
        reporter=bridge,
        execution_id=execution_id,
        workflow_slug=workflow_slug,
        trigger_node_id=trigger_node_id,
        deadline=deadline,
        _order=plan.topology.order,
        **run_options,
    )
    config = {
        "configurable": {"thread_id": execution_id, CONFIG_KEY: run},
        "recursion_limit": plan.recursion_limit,
    }
    # A light plan keeps no checkpoints at all (nothing to recover or resume; a recovered run starts
    # over and replays the logged nodes): its final state is what invoke returns.
    light = plan.light and checkpointer is None and resume is None
    if light:
        graph, start = (
            plan.chain_graph or plan.graph,
            initial_state(trigger=dict(trigger_payload or {}), execution_id=execution_id),
        )
    else:
        graph = plan.graph.copy(update={"checkpointer": checkpointer or checkpoints.checkpointer()})
        start = _graph_input(graph, config, plan, run, resume=resume, recover=recover)
        if isinstance(start, RunOutcome):
            return start
        if start is _ALREADY_DONE:
            return _outcome(graph.get_state(config).values, plan.topology, run, started, None)
        if start is _FRESH:
            start = initial_state(trigger=dict(trigger_payload or {}), execution_id=execution_id)

    def invoke() -> None:
        try:
            with sandbox_session():  # the run's code nodes share warm sandbox processes
                values = _drive(graph, start, config, values=light)
            bridge.done(("ok", values))
        except BaseException as exc:  # reported by the calling thread
            bridge.done(("error", exc))

    _RUN_THREADS.submit(invoke)
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
    if light:
        return _outcome(payload, plan.topology, run, started, None)
    state = graph.get_state(config)
    pause = interrupts.pause_of(state, plan.node_ids, plan.breakpoints, plan.successors)
    if pause is not None and pause["reason"] in (interrupts.BEFORE, interrupts.AFTER):
        bridge.reporter.node_finished(
            pause["node_id"], NodeResult(status=NodeStatus.INTERRUPTED, metadata={"reason": pause["reason"]})
        )
    return _outcome(state.values, plan.topology, run, started, pause)


def _drive(graph, start, config, *, values: bool) -> dict[str, Any] | None:
    """Run the graph to its end -> its final state when `values` (else None: the caller reads the
    checkpoint). Streams only what is asked for: `graph.invoke` also builds every step's updates."""
    latest = None
    for chunk in graph.stream(start, config=config, stream_mode="values" if values else []):
        latest = chunk
    return latest


# The threads graphs run on, reused from run to run (a thread started per run cost more than the
# run's bookkeeping); a new one starts only when none is idle. A run abandoned at its deadline keeps
# its thread until its component returns, so the cap is far above what a worker ever runs at once.
_RUN_THREADS = ThreadPoolExecutor(max_workers=1024, thread_name_prefix="pipelit-run")


_ALREADY_DONE = object()
_FRESH = object()


def _graph_input(graph, config, plan, run: RunContext, *, resume: Resume | None, recover: bool):
    """What to invoke the graph with: None (continue from the checkpoint), a Command (answer a pause),
    _FRESH (the initial state), _ALREADY_DONE (nothing left to run) or a failed RunOutcome."""
    if resume is not None:
        targets = interrupts.resume_targets(graph, config)
        if not targets:  # a breakpoint (or nothing to answer): continue from the checkpoint
            return None
        name = plan.names.get(resume.node_id) if resume.node_id else None
        command = interrupts.resume_command(targets, name, resume.input)
        if command is None:
            return RunOutcome(
                status=FAILED, error=f"not paused at node {resume.node_id!r}", error_code="not_paused"
            )
        run.resume_nodes = {
            plan.node_ids[task]: (pending[0].value if pending else {}) for task, pending in targets.items()
        }
        return command
    if recover:
        state = graph.get_state(config)
        if state.next:
            return None
        results = (state.values or {}).get("node_results") or {}
        if state.values and (state.values.get("halt") or all(n in results for n in plan.topology.order)):
            return _ALREADY_DONE
        # No checkpoint, or one that names no next step although nodes are missing (seen after a
        # SIGKILL mid-superstep): start over; the nodes already logged are replayed (`preset`), not re-run.
    return _FRESH


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


def _outcome(state: dict[str, Any], topology, run: RunContext, started: float, pause) -> RunOutcome:
    results: dict[str, NodeResult] = dict(state.get("node_results") or {})
    halt = state.get("halt")
    common = {
        "node_results": results,
        "node_outputs": dict(state.get("node_outputs") or {}),
        "token_usage": dict(state.get("token_usage") or {}),
        "messages": list(state.get("messages") or []),
        "duration_ms": _ms(started),
    }
    if pause is not None and not halt:
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
