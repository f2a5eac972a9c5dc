"""Filter: keeps the items of an array that match every rule (same operators as switch)."""

from __future__ import annotations

from typing import Any

from apps.execution.context import primary_value
from apps.execution.operators import MISSING, RULE_SCHEMA, evaluate, lookup
from apps.execution.results import NodeError
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "rules": {"type": "array", "items": RULE_SCHEMA, "default": []},
        "source_node": {"type": "string", "description": "Node id to read the array from"},
        "field": {"type": "string", "description": "Dotted path in the source's output holding the array"},
    },
}


@node_type(
    "filter",
    display_name="Filter",
    category=Category.LOGIC,
    description="Keep the array items that match all rules.",
    # ANY, not the reference's ARRAY: `field` (and `source_node`) pick the array out of an object, so a
    # trigger's payload may feed a filter directly.
    inputs=[
        Port(
            "input",
            DataType.ANY,
            required=True,
            description="Array of items to filter, or an object whose `field` holds it",
        )
    ],
    outputs=[Port("filtered", DataType.ARRAY, description="Items that matched all rules")],
    config_kind=ConfigKind.BASE,
    config_schema=CONFIG_SCHEMA,
    light=True,
    icon="filter",
    color="#8b5cf6",
)
def run(ctx) -> dict:
    items = source_items(ctx)
    rules = ctx.config.get("rules") or []
    kept = [item for item in items if all(_matches(rule, item) for rule in rules)]
    return {"filtered": kept}


def _matches(rule: dict, item: Any) -> bool:
    field = rule.get("field") or ""
    actual = lookup(item, field) if field else item
    return evaluate(rule.get("operator", "equals"), actual, rule.get("value"))


def source_items(ctx) -> list:
    """source_node (+ field) when configured; else the upstream value (+ field)."""
    config = ctx.config
    if config.get("source_node"):
        source = ctx.node_outputs.get(config["source_node"], MISSING)
        if source is MISSING:
            raise NodeError(f"source node {config['source_node']!r} has no output", "missing_input")
        if not config.get("field"):
            source = primary_value(source)
    else:
        source = ctx.input
    if config.get("field"):
        source = lookup(source, config["field"])
    if source is MISSING or source is None:
        return []
    if not isinstance(source, list | tuple):
        raise NodeError(f"filter input must be an array, got {type(source).__name__}", "invalid_input")
    return list(source)
