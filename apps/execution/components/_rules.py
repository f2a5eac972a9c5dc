"""Shared bits of switch and filter: the root a rule's dotted `field` path is read from."""

from __future__ import annotations

from typing import Any

from apps.execution import expressions


def rule_root(ctx: Any) -> dict[str, Any]:
    """`trigger.payload.x`, `node_outputs.<id>.<port>`, `<id>.<port>`, `input.x` (upstream value), `state.x`."""
    root = expressions.build_context(node_outputs=ctx.node_outputs, trigger=ctx.trigger)
    root["input"] = ctx.input
    root["state"] = dict(ctx.state)
    return root
