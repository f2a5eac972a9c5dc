"""The graph a DSL document compiles to, in memory: nodes (flat API configs) and edges, each with its path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apps.workflows import registry
from apps.workflows.models import config_class_for
from apps.workflows.serializers import config_fields
from apps.workflows.validation import LABEL_SUB_INPUT

NODE_FLAGS = ("is_entry_point", "interrupt_before", "interrupt_after")


@dataclass
class DraftNode:
    node_id: str
    component_type: str
    path: str
    config: dict[str, Any] = field(default_factory=dict)  # the REST API's flat config dict
    label: str = ""
    position: tuple[float, float] | None = None
    flags: dict[str, bool] = field(default_factory=dict)
    subworkflow_slug: str | None = None

    @property
    def spec(self) -> registry.NodeTypeSpec:
        return registry.get(self.component_type)

    @property
    def extra(self) -> dict[str, Any]:
        return self.config.setdefault("extra_config", {})


@dataclass
class DraftEdge:
    source: str
    target: str
    path: str
    edge_type: str = "direct"
    edge_label: str = ""
    condition_value: str = ""
    priority: int = 0

    @property
    def key(self) -> tuple:
        return (self.source, self.target, self.edge_type, self.edge_label, self.condition_value)

    @property
    def is_flow(self) -> bool:
        return self.edge_label not in LABEL_SUB_INPUT


@dataclass
class GraphDraft:
    meta: dict[str, Any] = field(default_factory=dict)
    nodes: dict[str, DraftNode] = field(default_factory=dict)
    edges: list[DraftEdge] = field(default_factory=list)

    def add_node(self, node: DraftNode) -> DraftNode:
        self.nodes[node.node_id] = node
        return node

    def add_edge(self, source: str, target: str, path: str, **fields: Any) -> DraftEdge | None:
        """Adds the edge unless the same one is already there (implicit and explicit flow may agree)."""
        edge = DraftEdge(source, target, path, **fields)
        if any(other.key == edge.key for other in self.edges):
            return None
        self.edges.append(edge)
        return edge

    def remove_node(self, node_id: str) -> None:
        self.nodes.pop(node_id, None)
        self.edges = [e for e in self.edges if node_id not in (e.source, e.target)]

    def outgoing(self, node_id: str, *, flow: bool | None = None) -> list[DraftEdge]:
        return [e for e in self.edges if e.source == node_id and (flow is None or e.is_flow == flow)]

    def incoming(self, node_id: str, *, flow: bool | None = None) -> list[DraftEdge]:
        return [e for e in self.edges if e.target == node_id and (flow is None or e.is_flow == flow)]

    def attached(self, parent: str, label: str | None = None) -> list[DraftNode]:
        """Sub-component nodes feeding `parent` (optionally through one edge label)."""
        return [
            self.nodes[e.source]
            for e in self.incoming(parent, flow=False)
            if (label is None or e.edge_label == label) and e.source in self.nodes
        ]

    def exclusively_attached(self, parent: str) -> list[DraftNode]:
        """Attached nodes whose only edges go into `parent`: they belong to it."""
        owned = []
        for node in self.attached(parent):
            edges = [e for e in self.edges if node.node_id in (e.source, e.target)]
            if all(e.source == node.node_id and e.target == parent and not e.is_flow for e in edges):
                owned.append(node)
        return owned

    def unique_id(self, base: str) -> str:
        candidate, n = base, 1
        while candidate in self.nodes:
            n += 1
            candidate = f"{base}_{n}"
        return candidate


def column_keys(component_type: str) -> set[str]:
    """Config keys stored in columns of this node type's config class (the rest lives in extra_config)."""
    cls = config_class_for(registry.get(component_type).config_kind)
    return {key for _attr, key in config_fields(cls)} - {"extra_config"}


def split_config(component_type: str, values: dict[str, Any]) -> dict[str, Any]:
    """A DSL `config:` mapping -> flat API config: column keys at the top, everything else in extra_config."""
    columns = column_keys(component_type)
    flat: dict[str, Any] = {"extra_config": {}}
    for key, value in values.items():
        if key == "extra_config" and isinstance(value, dict):
            flat["extra_config"].update(value)
        elif key in columns or (key == "llm_credential_id" and "credential_id" in columns):
            flat["credential_id" if key == "llm_credential_id" else key] = value
        else:
            flat["extra_config"][key] = value
    return flat


def merge_config(node: DraftNode, values: dict[str, Any]) -> None:
    """update_config / step `config:` semantics: columns replaced, extra_config merged key by key."""
    flat = split_config(node.component_type, values)
    extra = flat.pop("extra_config")
    node.config.update(flat)
    node.extra.update(extra)
