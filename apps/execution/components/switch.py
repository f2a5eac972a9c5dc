"""Switch: evaluates rules in order and emits the first matching rule's id as `_route`."""

from __future__ import annotations

from apps.execution import expressions
from apps.execution.components._rules import rule_root
from apps.execution.operators import MISSING as _MISSING
from apps.execution.operators import RULE_SCHEMA, evaluate, lookup
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type

FALLBACK_ROUTE = "__other__"

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "rules": {
            "type": "array",
            "items": {**RULE_SCHEMA, "required": ["id", "field", "operator"]},
            "description": "Evaluated in order; the first match's id is the route (an edge's condition_value).",
        },
        "enable_fallback": {
            "type": "boolean",
            "default": False,
            "description": "Emit route __other__ when no rule matches (else the empty route).",
        },
        "condition_field": {"type": "string", "description": "Legacy: route = value at this dotted path."},
        "condition_expression": {"type": "string", "description": "Legacy: route = this Jinja2 expression."},
    },
}


@node_type(
    "switch",
    display_name="Switch",
    category=Category.LOGIC,
    description="Route to a branch by rules; conditional edges match the route against condition_value.",
    inputs=[Port("input", DataType.ANY, required=True, description="Data to evaluate against rules")],
    outputs=[Port("route", DataType.STRING, description="The matched route identifier")],
    config_kind=ConfigKind.BASE,
    config_schema=CONFIG_SCHEMA,
    light=True,
    icon="git-branch",
    color="#8b5cf6",
    routes=True,
)
def run(ctx) -> dict:
    route = choose_route(ctx)
    return {"route": route, "_route": route}


def choose_route(ctx) -> str:
    config = ctx.config
    root = rule_root(ctx)
    rules = config.get("rules")
    if rules:
        for rule in rules:
            if evaluate(
                rule.get("operator", "equals"), lookup(root, rule.get("field", "")), rule.get("value")
            ):
                return str(rule.get("id", ""))
        return FALLBACK_ROUTE if config.get("enable_fallback") else ""
    if config.get("condition_field"):
        value = lookup(root, config["condition_field"])
        return "" if value is _MISSING or value is None else str(value)
    if config.get("condition_expression"):
        source = "{{ " + config["condition_expression"] + " }}"
        value = expressions.resolve_string(source, root)
        return "" if value == source or value is None else str(value)
    return FALLBACK_ROUTE if config.get("enable_fallback") else ""
