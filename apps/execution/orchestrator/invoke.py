"""Run one node's component: resolve its config, call it (with retries), apply the output convention.

Shared by the graph steps (step.py) and loop bodies (loops.py); reporting and pausing stay with the
caller. A node whose output carries `_loop` (a `loops` node type) has its body run here, once per item.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from apps.execution import expressions
from apps.execution.context import NodeContext
from apps.execution.graph import NodeSnapshot
from apps.execution.orchestrator.output import apply_output
from apps.execution.orchestrator.run_context import RunContext
from apps.execution.results import NodeError
from apps.execution.topology import Topology
from apps.workflows.registry import UnknownNodeType

STATE_VIEW_KEYS = ("route", "routes", "user_context", "variables", "messages")


@dataclass(frozen=True)
class Scope:
    """What a node sees: earlier outputs, the trigger payload, a read-only state view and, inside a
    loop body, the current iteration (`{{ loop.item }}`, `{{ loop.index }}`)."""

    node_outputs: Mapping[str, Any]
    trigger: Mapping[str, Any]
    state: Mapping[str, Any] = field(default_factory=dict)
    loop: Mapping[str, Any] | None = None


@dataclass
class Invocation:
    started_at: datetime
    data: dict[str, Any] | None = None
    update: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    error: tuple[str, str] | None = None  # (message, error_code)
    timing: dict[str, Any] = field(default_factory=dict)


def invoke(
    run: RunContext,
    node: NodeSnapshot,
    layer: Topology,
    nodes: Mapping[str, NodeSnapshot],
    scope: Scope,
    inputs: dict[str, Any],
    *,
    resume_input: Any = None,
) -> Invocation:
    inv = Invocation(started_at=datetime.now(UTC))
    started = time.perf_counter()
    raw, inv.error, attempts = _run_with_retries(
        run, node, _context(run, node, layer, nodes, scope, inputs, resume_input)
    )
    if inv.error is None:
        try:
            inv.data, inv.update, inv.metadata = apply_output(node.node_id, raw)
        except Exception as exc:  # a malformed directive is the component's failure, not the engine's
            inv.error = (str(exc), "invalid_output")
    directives = inv.metadata.get("directives") or {}
    if inv.error is None and "_loop" in directives:
        from apps.execution.orchestrator.loops import run_loop

        loop = directives.pop("_loop")
        if not directives:
            inv.metadata.pop("directives")
        body = layer.loop_bodies.get(node.node_id)
        inv.data, usage, inv.error = run_loop(run, node, body, nodes, scope, loop)
        if usage:
            inv.update["token_usage"] = usage
            inv.metadata["token_usage"] = usage
        inv.update["node_outputs"] = {node.node_id: inv.data}
    inv.timing = {
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        "retry_count": attempts - 1,
    }
    return inv


def _context(run, node, layer, nodes, scope: Scope, inputs, resume_input) -> NodeContext:
    config = node.config
    if expressions.needs_resolution(config):
        extra = {"loop": dict(scope.loop)} if scope.loop is not None else None
        context = expressions.build_context(
            node_outputs=scope.node_outputs, trigger=scope.trigger, extra=extra
        )
        config = expressions.resolve_value(config, context)
    attached = {
        label: tuple(nodes[i] for i in ids)
        for label, ids in layer.sub_components.get(node.node_id, {}).items()
    }
    return NodeContext(
        node_id=node.node_id,
        component_type=node.component_type,
        config=config,
        inputs=MappingProxyType(inputs),
        trigger=scope.trigger,
        node_outputs=MappingProxyType(dict(scope.node_outputs)),
        execution_id=run.execution_id,
        workflow_slug=run.workflow_slug,
        trigger_node_id=run.trigger_node_id,
        state=MappingProxyType(dict(scope.state)),
        deadline=run.deadline,
        sub_components=MappingProxyType(attached),
        sub_component_resolver=run.sub_component_resolver,
        resume_input=resume_input,
    )


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
