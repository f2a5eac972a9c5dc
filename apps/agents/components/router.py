"""Router: routes on a value already in the state (no model call): a field or an expression."""

from __future__ import annotations

from typing import Any

from apps.agents.components._common import AI_COLOR
from apps.execution import expressions
from apps.execution.context import primary_value
from apps.workflows.registry import Category, ConfigKind, DataType, Port, SubInput, node_type

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "condition_field": {
            "type": "string",
            "default": "route",
            "description": "State field (or dotted path into the upstream output) holding the route",
        },
        "condition_expression": {
            "type": "string",
            "description": "Jinja2 expression over the state; overrides condition_field",
        },
    },
}


@node_type(
    "router",
    display_name="Router",
    category=Category.AI,
    description="Route to a branch on a value already in the workflow state.",
    inputs=[Port("messages", DataType.ANY, required=True)],
    outputs=[Port("route", DataType.STRING, description="The route conditional edges match")],
    sub_inputs=[SubInput.MODEL, SubInput.MEMORY, SubInput.OUTPUT_PARSER],
    config_kind=ConfigKind.AI,
    config_schema=CONFIG_SCHEMA,
    icon="split",
    color=AI_COLOR,
    routes=True,
)
def run(ctx) -> dict[str, Any]:
    route = resolve_route(ctx)
    return {"route": route, "_route": route}


def _root(ctx) -> dict[str, Any]:
    state = ctx.state
    upstream = primary_value(next(iter(ctx.inputs.values()), {}))
    return {
        "route": state.get("route") or "",
        "user_context": dict(state.get("user_context") or {}),
        **dict(state.get("variables") or {}),
        "input": upstream,
        "node_outputs": dict(ctx.node_outputs),
        "trigger": dict(ctx.trigger),
    }


def _lookup(root: Any, path: str) -> Any:
    value = root
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def resolve_route(ctx) -> str:
    root = _root(ctx)
    expression = ctx.config.get("condition_expression")
    if expression:
        source = "{{ " + str(expression) + " }}"
        value = expressions.resolve_string(source, root)
        return "" if value == source or value is None else str(value)
    field = str(ctx.config.get("condition_field") or "route")
    value = _lookup(root, field)
    if value is None and isinstance(root["input"], dict):
        value = _lookup(root["input"], field)
    return "" if value is None else str(value)
