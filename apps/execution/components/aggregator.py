"""Aggregator: collects values from upstream nodes (optionally one field of each item) into an array.

The reference names the type but does not specify it; this is the documented behaviour here:
- `source_nodes` (default: the live upstream branches) give the values, each its primary output;
- array values are flattened into the items; `field` (dotted path) picks one value from each item;
- outputs `items` (ARRAY) and `count` (NUMBER).
"""

from __future__ import annotations

from apps.execution.context import primary_value
from apps.execution.operators import MISSING, lookup
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "source_nodes": {"type": "array", "items": {"type": "string"}},
        "field": {"type": "string", "description": "Dotted path picked from each item"},
        "skip_missing": {"type": "boolean", "default": True},
    },
}


@node_type(
    "aggregator",
    display_name="Aggregator",
    category=Category.LOGIC,
    description="Collect upstream values (or one field of each item) into a single array.",
    inputs=[Port("input", DataType.ANY, required=True, description="Values to collect")],
    outputs=[
        Port("items", DataType.ARRAY, description="The collected values"),
        Port("count", DataType.NUMBER, description="How many values were collected"),
    ],
    config_kind=ConfigKind.BASE,
    config_schema=CONFIG_SCHEMA,
    light=True,
    icon="layers",
    color="#8b5cf6",
    fan_in=True,
)
def run(ctx) -> dict:
    names = ctx.config.get("source_nodes")
    if names:
        sources = [ctx.node_outputs[n] for n in names if n in ctx.node_outputs]
    else:
        sources = list(ctx.inputs.values())
    items: list = []
    for outputs in sources:
        value = primary_value(outputs)
        items.extend(value if isinstance(value, list) else [value])
    field = ctx.config.get("field")
    if field:
        picked = [lookup(item, field) for item in items]
        if ctx.config.get("skip_missing", True):
            items = [v for v in picked if v is not MISSING]
        else:
            items = [None if v is MISSING else v for v in picked]
    return {"items": items, "count": len(items)}
