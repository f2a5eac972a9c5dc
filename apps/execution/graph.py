"""Plain, hashable snapshots of a workflow graph: what the engine compiles and runs (no ORM)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DIRECT = "direct"
CONDITIONAL = "conditional"


@dataclass(frozen=True)
class NodeSnapshot:
    node_id: str
    component_type: str
    config: dict[str, Any] = field(default_factory=dict, hash=False)
    label: str = ""
    is_entry_point: bool = False
    interrupt_before: bool = False
    interrupt_after: bool = False
    subworkflow_id: int | str | None = None
    max_retries: int = 0


@dataclass(frozen=True)
class EdgeSnapshot:
    source: str
    target: str
    edge_type: str = DIRECT  # "direct" | "conditional"
    edge_label: str = ""
    condition_value: str = ""
    priority: int = 0


@dataclass(frozen=True)
class GraphSnapshot:
    workflow_slug: str
    nodes: tuple[NodeSnapshot, ...]
    edges: tuple[EdgeSnapshot, ...]
    max_execution_seconds: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "edges", tuple(self.edges))
        object.__setattr__(self, "_by_id", {n.node_id: n for n in self.nodes})

    def node(self, node_id: str) -> NodeSnapshot:
        return self._by_id[node_id]  # type: ignore[attr-defined]

    def has_node(self, node_id: str) -> bool:
        return node_id in self._by_id  # type: ignore[attr-defined]

    def structure_hash(self) -> str:
        """sha256 over nodes (with configs) and edges, independent of their order; cached per snapshot."""
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = _structure_hash(self)
            object.__setattr__(self, "_hash", cached)
        return cached


def _structure_hash(snapshot: GraphSnapshot) -> str:
    nodes = sorted(
        [
            n.node_id,
            n.component_type,
            n.config,
            n.is_entry_point,
            n.interrupt_before,
            n.interrupt_after,
            n.subworkflow_id,
            n.max_retries,
        ]
        for n in snapshot.nodes
    )
    edges = sorted(
        [e.source, e.target, e.edge_type, e.edge_label, e.condition_value, e.priority] for e in snapshot.edges
    )
    blob = json.dumps([nodes, edges], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


# --- A small fixture format so tests (and later the YAML DSL) can describe graphs in a few lines -----


def snapshot_from_dict(data: dict[str, Any]) -> GraphSnapshot:
    """Build a snapshot from the fixture format.

    nodes: [{id, type, config?, max_retries?, label?, ...}]
    edges: ["a -> b" | {source, target, label?, condition?, type?, priority?}]
      `condition: X` makes a conditional edge with condition_value X.
    """
    nodes = [
        NodeSnapshot(
            node_id=str(item["id"]),
            component_type=str(item["type"]),
            config=dict(item.get("config") or {}),
            label=str(item.get("label", "")),
            is_entry_point=bool(item.get("is_entry_point", False)),
            interrupt_before=bool(item.get("interrupt_before", False)),
            interrupt_after=bool(item.get("interrupt_after", False)),
            subworkflow_id=item.get("subworkflow_id"),
            max_retries=int(item.get("max_retries", 0)),
        )
        for item in data.get("nodes", [])
    ]
    edges = [_edge_from_fixture(item) for item in data.get("edges", [])]
    return GraphSnapshot(
        workflow_slug=str(data.get("slug", "fixture")),
        nodes=tuple(nodes),
        edges=tuple(edges),
        max_execution_seconds=data.get("max_execution_seconds"),
    )


def _edge_from_fixture(item: str | dict[str, Any]) -> EdgeSnapshot:
    if isinstance(item, str):
        source, _, target = item.partition("->")
        return EdgeSnapshot(source=source.strip(), target=target.strip())
    condition = item.get("condition")
    return EdgeSnapshot(
        source=str(item["source"]),
        target=str(item["target"]),
        edge_type=str(item.get("type", CONDITIONAL if condition is not None else DIRECT)),
        edge_label=str(item.get("label", "")),
        condition_value="" if condition is None else str(condition),
        priority=int(item.get("priority", 0)),
    )


def snapshot_from_file(path: str | Path) -> GraphSnapshot:
    """Read a fixture file (.yaml/.yml via yaml.safe_load, else JSON)."""
    path = Path(path)
    text = path.read_text()
    if path.suffix in (".yaml", ".yml"):
        import yaml

        return snapshot_from_dict(yaml.safe_load(text))
    return snapshot_from_dict(json.loads(text))
