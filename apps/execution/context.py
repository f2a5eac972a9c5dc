"""NodeContext: everything a component's `run(ctx)` may read."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from apps.execution.graph import NodeSnapshot

EMPTY: Mapping[str, Any] = MappingProxyType({})


def primary_value(outputs: Any) -> Any:
    """The one value that stands for a node's outputs: its only port, else `output`, else all (None if empty)."""
    if not isinstance(outputs, Mapping):
        return outputs
    if not outputs:
        return None
    if len(outputs) == 1:
        return next(iter(outputs.values()))
    if "output" in outputs:
        return outputs["output"]
    return dict(outputs)


@dataclass(frozen=True)
class NodeContext:
    node_id: str
    component_type: str
    config: Mapping[str, Any]  # expressions already resolved
    inputs: Mapping[str, Any]  # live upstream node_id -> its outputs, in edge priority order
    trigger: Mapping[str, Any]  # the payload the firing trigger received
    node_outputs: Mapping[str, Any]  # read-only view of every node's outputs so far
    execution_id: str
    workflow_slug: str
    trigger_node_id: str = ""
    state: Mapping[str, Any] = field(
        default_factory=lambda: EMPTY
    )  # read-only view: route, routes, user_context, variables
    deadline: float | None = None  # time.monotonic() by which the execution must end
    # parent edge label ("llm", "tool", ...) -> attached sub-component nodes
    sub_components: Mapping[str, tuple[NodeSnapshot, ...]] = field(default_factory=lambda: EMPTY)
    # set by the caller of run_graph later to turn a sub-component node into a model/tool/memory object
    sub_component_resolver: Callable[[NodeSnapshot], Any] | None = field(default=None, repr=False)
    # The answer a paused node is resumed with (human_confirmation); None on a first run.
    resume_input: Any = None

    @property
    def input(self) -> Any:
        """The primary value of the first live upstream node (None for a trigger)."""
        for outputs in self.inputs.values():
            return primary_value(outputs)
        return None

    def remaining_seconds(self, default: float) -> float:
        """Seconds this node may still use: `default`, capped by the execution deadline."""
        if self.deadline is None:
            return default
        return max(0.0, min(default, self.deadline - time.monotonic()))

    def attached(self, label: str) -> tuple[NodeSnapshot, ...]:
        return self.sub_components.get(label, ())

    def resolve_sub_component(self, node: NodeSnapshot) -> Any:
        if self.sub_component_resolver is None:
            raise LookupError("no sub-component resolver configured for this execution")
        return self.sub_component_resolver(node)
