"""The component output convention: plain keys are port values, `_`-keys are directives."""

from __future__ import annotations

from typing import Any

from apps.execution.state import PROTECTED_KEYS

# Directives applied here; any other `_key` is kept in the result metadata (`directives`) for the step:
# `_delay_seconds`/`_interrupt` pause the run (step.py), `_loop` runs a loop body (invoke.py, loops.py),
# `_subworkflow` records the child execution of a subworkflow node.
KNOWN_DIRECTIVES = frozenset({"_route", "_messages", "_state_patch", "_token_usage"})


def apply_output(node_id: str, raw: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Split a component's return value into (port data, state update, result metadata)."""
    if raw is None:
        raw = {}
    elif not isinstance(raw, dict):
        raw = {"output": raw}
    update: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    legacy = raw.get("node_outputs")
    if isinstance(legacy, dict) and all(isinstance(v, dict) for v in legacy.values()):
        data = dict(legacy.get(node_id, {}))
        update["node_outputs"] = {**legacy, node_id: data}
    else:
        data = {k: v for k, v in raw.items() if not k.startswith("_")}
        update["node_outputs"] = {node_id: data}
    if "_route" in raw:
        route = "" if raw["_route"] is None else str(raw["_route"])
        update["routes"] = {node_id: route}
        update["route"] = route
        metadata["route"] = route
    if raw.get("_messages"):
        update["messages"] = list(raw["_messages"])
    patch = raw.get("_state_patch")
    if isinstance(patch, dict):
        allowed = {k: v for k, v in patch.items() if k not in PROTECTED_KEYS}
        if isinstance(allowed.get("user_context"), dict):
            update["user_context"] = allowed.pop("user_context")
        if allowed:
            update["variables"] = allowed
    usage = raw.get("_token_usage")
    if isinstance(usage, dict):
        update["token_usage"] = usage
        metadata["token_usage"] = usage
    others = {k: v for k, v in raw.items() if k.startswith("_") and k not in KNOWN_DIRECTIVES}
    if others:
        metadata["directives"] = others
    return data, update, metadata
