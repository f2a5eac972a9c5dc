"""Merge: fan-in of parallel branches; `append` to a flat array or `combine` into one object."""

from __future__ import annotations

from typing import Any

from apps.execution.context import primary_value
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "mode": {"type": "string", "enum": ["append", "combine"], "default": "append"},
        "source_nodes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Node ids to merge, in this order (default: the live upstream branches).",
        },
    },
}


@node_type(
    "merge",
    display_name="Merge",
    category=Category.LOGIC,
    description="Wait for every live upstream branch and combine their outputs.",
    inputs=[Port("branches", DataType.ARRAY, required=True, description="Outputs from upstream nodes")],
    outputs=[Port("merged", DataType.ANY, description="Combined result from all branches")],
    config_kind=ConfigKind.BASE,
    config_schema=CONFIG_SCHEMA,
    light=True,
    icon="merge",
    color="#8b5cf6",
    fan_in=True,
)
def run(ctx) -> dict:
    sources = _sources(ctx)
    if ctx.config.get("mode", "append") == "combine":
        return {"merged": combine(sources)}
    return {"merged": append(sources)}


def _sources(ctx) -> list[tuple[str, Any]]:
    names = ctx.config.get("source_nodes")
    if names:
        return [(n, ctx.node_outputs[n]) for n in names if n in ctx.node_outputs]
    return list(ctx.inputs.items())


def append(sources: list[tuple[str, Any]]) -> list:
    merged: list = []
    for _, outputs in sources:
        value = primary_value(outputs)
        if isinstance(value, list):
            merged.extend(value)
        else:
            merged.append(value)
    return merged


def combine(sources: list[tuple[str, Any]]) -> dict:
    merged: dict = {}
    for node_id, outputs in sources:
        value = outputs if isinstance(outputs, dict) and len(outputs) != 1 else primary_value(outputs)
        if isinstance(value, dict):
            merged.update(value)
        else:
            merged[node_id] = value
    return merged
