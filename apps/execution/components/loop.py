"""Loop: run the nodes on its loop_body edges once per item of an array (orchestrator/loops.py)."""

from __future__ import annotations

import json
from typing import Any

from apps.execution.context import primary_value
from apps.execution.expressions import has_expression
from apps.execution.results import NodeError
from apps.workflows.registry import Category, DataType, Port, node_type

DEFAULT_MAX_ITERATIONS = 1000
ON_ERROR = ("stop", "continue")

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "items": {
            "description": "Expression for the array, e.g. {{ search.results }} (default: the upstream input)"
        },
        "source_node": {"type": "string", "description": "Node id to read the array from"},
        "field": {
            "type": "string",
            "description": "Output port of source_node (default: its primary output)",
        },
        "max_iterations": {"type": "integer", "minimum": 0, "default": DEFAULT_MAX_ITERATIONS},
        "on_error": {"type": "string", "enum": list(ON_ERROR), "default": "stop"},
    },
    "additionalProperties": True,
}


@node_type(
    "loop",
    display_name="Loop",
    category=Category.LOGIC,
    description="Runs the nodes on its loop_body edges once per item; the node on the loop_return edge "
    "gives each item's result. A failing item stops the loop, or (on_error: continue) is collected in "
    "`errors`.",
    inputs=[
        Port(
            "items",
            DataType.ANY,
            required=False,
            description="Array to iterate over (or use the items expression)",
        )
    ],
    outputs=[
        Port("results", DataType.ARRAY, description="One result per item, in order"),
        Port("errors", DataType.ARRAY, description="Failed items (on_error: continue): index, node, error"),
    ],
    config_schema=CONFIG_SCHEMA,
    icon="repeat",
    color="#64748b",
    loops=True,
)
def run(ctx) -> dict:
    items = _as_list(_source(ctx))
    limit = _int(ctx.config.get("max_iterations"), DEFAULT_MAX_ITERATIONS, "max_iterations")
    if len(items) > limit:
        raise NodeError(
            f"{len(items)} items exceed max_iterations ({limit})", "max_iterations_exceeded", retryable=False
        )
    on_error = str(ctx.config.get("on_error") or "stop")
    if on_error not in ON_ERROR:
        raise NodeError(
            f"on_error must be 'stop' or 'continue', not {on_error!r}", "invalid_config", retryable=False
        )
    return {"_loop": {"items": items, "on_error": on_error}}


def _source(ctx) -> Any:
    expression = ctx.config.get("items")
    if expression not in (None, ""):
        if isinstance(expression, str):
            if has_expression(expression):
                raise NodeError(
                    f"items expression did not resolve: {expression}", "invalid_config", retryable=False
                )
            try:
                return json.loads(expression)
            except ValueError:
                return expression
        return expression
    source = ctx.config.get("source_node")
    if source:
        if source not in ctx.node_outputs:
            raise NodeError(f"source_node {source!r} has no output", "invalid_config", retryable=False)
        outputs = ctx.node_outputs[source] or {}
        field = ctx.config.get("field")
        if not field:
            return primary_value(outputs)
        return outputs.get(field)
    return ctx.input


def _as_list(value: Any) -> list[Any]:
    """A list as is; None -> []; anything else -> [value] (as the reference says)."""
    if value is None:
        return []
    if callable(value):  # e.g. {{ trigger.payload.items }} finds dict.items, not a key
        raise NodeError(
            "items resolved to a function, not an array (is the key named like a method?)",
            "invalid_config",
            retryable=False,
        )
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _int(value: Any, default: int, name: str) -> int:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NodeError(f"{name} must be an integer", "invalid_config", retryable=False) from None
