"""Loop steps: `over` (the items expression) and `max_iterations` in the loop node's config."""

from __future__ import annotations

from apps.workflows.dsl.draft import DraftNode
from apps.workflows.dsl.errors import Problems
from apps.workflows.dsl.parser import join

# Where the loop node type keeps its items expression, in order of preference.
ITEMS_KEYS = ("items", "over", "items_expression", "source")


def items_key(node: DraftNode) -> str:
    properties = node.spec.config_schema.get("properties") or {}
    return next((key for key in ITEMS_KEYS if key in properties), ITEMS_KEYS[0])


def loop_config(node: DraftNode, raw: dict, path: str, problems: Problems) -> None:
    if raw.get("over") is not None:
        node.extra[items_key(node)] = raw["over"]
    if raw.get("max_iterations") is not None:
        value = raw["max_iterations"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.add(join(path, "max_iterations"), "Must be a positive whole number.")
        else:
            node.extra["max_iterations"] = value
