"""Loop bodies: a `loops` node returns `_loop: {"items", "on_error"}`; its body runs once per item.

The body is the nested Topology the loop's loop_body edges reach (topology.py). Items run one after
another; inside an iteration the body nodes run in topological order with the usual liveness rule (a
switch in the body skips the branch it did not take). Each body node sees the loop's current item as
its input (`ctx.input`), as `{{ loop.item }}` / `{{ loop.index }}` and as `{{ <loop_id>.item }}`, plus
every output from before the loop. The value an iteration returns is the primary output of the node(s)
with a loop_return edge (or, without one, of the body's last nodes); the loop's output is
`{"results": [one value per item], "errors": [...]}`.

A failing body node (after its own retries): `on_error: stop` (default) fails the loop node with
`loop_item_failed`; `continue` records `{"index", "node_id", "error", "error_code"}` in `errors`, puts
None in `results` and goes on. Every body node is reported once per iteration (metadata
`loop_node_id`, `iteration`). Cancellation and the execution deadline are checked before every item.
Body nodes cannot pause (wait, human confirmation, subworkflow): that fails the item.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.execution.context import primary_value
from apps.execution.graph import NodeSnapshot
from apps.execution.orchestrator.fan_in import liveness
from apps.execution.orchestrator.invoke import Scope, invoke
from apps.execution.orchestrator.run_context import RunContext
from apps.execution.orchestrator.step import CANCELLED_CODE, TIMEOUT_CODE
from apps.execution.results import NodeResult, NodeStatus
from apps.execution.state import add_usage
from apps.execution.topology import Topology

STOP = "stop"
CONTINUE = "continue"
ITEM_FAILED = "loop_item_failed"
BODY_PAUSED = "loop_body_paused"
ENDS_RUN = frozenset({CANCELLED_CODE, TIMEOUT_CODE})


def run_loop(
    run: RunContext,
    loop_node: NodeSnapshot,
    body: Topology | None,
    nodes: Mapping[str, NodeSnapshot],
    scope: Scope,
    directive: Any,
) -> tuple[dict[str, Any] | None, dict[str, Any], tuple[str, str] | None]:
    """-> (the loop's outputs, token usage of the body, (message, error_code) when the loop failed)."""
    directive = directive if isinstance(directive, dict) else {"items": directive}
    items = list(directive.get("items") or [])
    on_error = directive.get("on_error") or STOP
    if body is None or len(body.order) <= 1:
        return {"results": items, "errors": []}, {}, None
    results: list[Any] = []
    errors: list[dict[str, Any]] = []
    usage: dict[str, Any] = {}
    for index, item in enumerate(items):
        stop = _boundary(run)
        if stop is not None:
            return None, usage, stop
        value, failure, used = _iteration(run, loop_node.node_id, body, nodes, scope, item, index, len(items))
        usage = add_usage(usage, used)
        if failure is None:
            results.append(value)
            continue
        node_id, message, code = failure
        if code in ENDS_RUN:
            return None, usage, (message, code)
        if on_error != CONTINUE:
            return None, usage, (f"item {index} failed at node '{node_id}': {message} [{code}]", ITEM_FAILED)
        errors.append({"index": index, "node_id": node_id, "error": message, "error_code": code})
        results.append(None)
    return {"results": results, "errors": errors}, usage, None


def _boundary(run: RunContext) -> tuple[str, str] | None:
    if run.abandoned.is_set() or run.timed_out():
        return "execution exceeded max_execution_seconds", TIMEOUT_CODE
    if run.reporter.should_cancel():
        return "execution was cancelled", CANCELLED_CODE
    return None


def _iteration(run, loop_id: str, body: Topology, nodes, scope: Scope, item: Any, index: int, count: int):
    """Run the body for one item -> (returned value, (node_id, message, code) of the first failure, usage)."""
    current = {"output": item, "item": item, "index": index}
    outputs: dict[str, Any] = {**scope.node_outputs, loop_id: current}
    inner = Scope(outputs, scope.trigger, scope.state, {"item": item, "index": index, "count": count})
    state: dict[str, Any] = {"node_results": {loop_id: NodeResult.success(current)}, "routes": {}}
    meta = {"loop_node_id": loop_id, "iteration": index}
    failure = None
    usage: dict[str, Any] = {}
    for node_id in body.order[1:]:
        live = liveness(node_id, body, state)
        if not live.live_sources:
            _record(run, state, node_id, NodeResult.skipped(live.reason, **meta))
            continue
        inputs = {src: outputs.get(src, {}) for src in live.live_sources}
        run.report_iteration_running(node_id, inputs)
        inv = invoke(run, nodes[node_id], body, nodes, inner, inputs)
        if inv.error is None and _pauses(inv.metadata):
            inv.error = ("nodes that pause cannot run inside a loop body", BODY_PAUSED)
        if inv.error is not None:
            message, code = inv.error
            _record(run, state, node_id, NodeResult.failed(message, code, **inv.timing, **meta))
            failure = failure or (node_id, message, code)
            if code in ENDS_RUN:
                break
            continue
        outputs[node_id] = inv.data
        if inv.metadata.get("route") is not None:
            state["routes"][node_id] = inv.metadata["route"]
        usage = add_usage(usage, inv.update.get("token_usage"))
        result = NodeResult(
            status=NodeStatus.SUCCESS, data=inv.data, metadata={**inv.metadata, **inv.timing, **meta}
        )
        _record(run, state, node_id, result)
    return _returned(body, state["node_results"]), failure, usage


def _record(run: RunContext, state: dict[str, Any], node_id: str, result: NodeResult) -> None:
    state["node_results"][node_id] = result
    run.report_iteration_finished(node_id, result)


def _pauses(metadata: dict[str, Any]) -> bool:
    directives = metadata.get("directives") or {}
    if directives.get("_interrupt"):
        return True
    try:
        return float(directives.get("_delay_seconds") or 0) > 0
    except (TypeError, ValueError):
        return False


def _returned(body: Topology, results: dict[str, NodeResult]) -> Any:
    sources = body.return_sources or tuple(n for n in body.sinks() if n != body.trigger_node_id)
    values = {s: primary_value(results[s].data) for s in sources if s in results and results[s].ok}
    if len(sources) == 1:
        return values.get(sources[0])
    return values
