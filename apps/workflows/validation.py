"""Graph rules from architecture/node-io.md: port typing, sub-input and loop labels, conditional edges.

Works on anything with `node_id`/`component_type` (nodes) and the edge fields, so import can check a
whole document in memory before writing a row.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from apps.workflows import registry
from apps.workflows.registry import DataType, SubInput

LABEL_SUB_INPUT = {label: sub for sub, label in registry.SUB_INPUT_EDGE_LABEL.items()}
LOOP_LABELS = {"loop_body", "loop_return"}
FLOW_LABELS = {"", *LOOP_LABELS}


class NodeLike(Protocol):
    node_id: str
    component_type: str


@dataclass(frozen=True)
class EdgeDraft:
    source_node_id: str
    target_node_id: str
    edge_type: str = "direct"
    edge_label: str = ""
    condition_value: str = ""

    @property
    def key(self) -> tuple:
        return (
            self.source_node_id,
            self.target_node_id,
            self.edge_type,
            self.edge_label,
            self.condition_value,
        )


def types_compatible(source: DataType, target: DataType) -> bool:
    """ANY on either side accepts all; otherwise exact match, plus text into a message list."""
    if DataType.ANY in (source, target) or source == target:
        return True
    return source == DataType.STRING and target == DataType.MESSAGES


def _port_error(source: NodeLike, src: registry.NodeTypeSpec, target: NodeLike, tgt: registry.NodeTypeSpec):
    if not src.outputs:
        return f"Source type '{source.component_type}' has no output ports"
    if not tgt.inputs:
        return f"Target type '{target.component_type}' has no input ports"
    if tgt.fan_in:  # every incoming edge adds one element to the fan-in list, whatever its type
        return None
    if any(types_compatible(o.data_type, i.data_type) for o in src.outputs for i in tgt.inputs):
        return None
    out, inp = src.outputs[0], tgt.inputs[0]
    return (
        f"Source type '{source.component_type}' output '{out.name}' ({out.data_type.lower()}) is not "
        f"compatible with target '{target.component_type}' input '{inp.name}' ({inp.data_type.lower()})"
    )


def _label_errors(edge: EdgeDraft, source, src, target, tgt) -> list[str]:
    label = edge.edge_label
    if label in LABEL_SUB_INPUT:
        sub: SubInput = LABEL_SUB_INPUT[label]
        if edge.edge_type != "direct":
            return [f"'{label}' edges must be direct"]
        if sub not in tgt.sub_inputs:
            return [
                f"Target '{target.node_id}' ({target.component_type}) has no '{sub}' input for a '{label}' edge"
            ]
        return []
    if label == "loop_body" and not src.loops:
        return [
            f"'loop_body' edges must leave a loop node; '{source.node_id}' is a '{source.component_type}'"
        ]
    if label == "loop_return" and not tgt.loops:
        return [
            f"'loop_return' edges must enter a loop node; '{target.node_id}' is a '{target.component_type}'"
        ]
    if label in LOOP_LABELS:
        return []
    error = _port_error(source, src, target, tgt)
    return [error] if error else []


def edge_errors(edge: EdgeDraft, nodes: dict[str, NodeLike]) -> list[str]:
    """Everything wrong with one edge among `nodes` (node_id -> node); [] when it may be created."""
    errors: list[str] = []
    if edge.edge_type == "conditional":
        if not edge.condition_value:
            errors.append("Conditional edges require a non-empty condition_value")
        if not edge.target_node_id:
            errors.append("Conditional edges require a non-empty target_node_id")
    source, target = nodes.get(edge.source_node_id), nodes.get(edge.target_node_id)
    if source is None:
        errors.append(f"Source node '{edge.source_node_id}' not found")
    if target is None and edge.target_node_id:
        errors.append(f"Target node '{edge.target_node_id}' not found")
    if source is None or target is None:
        return errors
    if source is target or source.node_id == target.node_id:
        return [*errors, "An edge cannot connect a node to itself"]
    src, tgt = registry.find(source.component_type), registry.find(target.component_type)
    for node, spec in ((source, src), (target, tgt)):
        if spec is None:
            errors.append(f"Node '{node.node_id}' has unknown component type '{node.component_type}'")
    if src is None or tgt is None:
        return errors
    if edge.edge_type == "conditional" and not src.routes:
        errors.append("Conditional edges can only originate from 'switch' nodes")
    return errors + _label_errors(edge, source, src, target, tgt)


def duplicate_error(edge: EdgeDraft, existing: Iterable[EdgeDraft]) -> str | None:
    if any(other.key == edge.key for other in existing):
        return f"Edge from '{edge.source_node_id}' to '{edge.target_node_id}' already exists"
    return None


def graph_errors(nodes: Iterable[NodeLike], edges: Iterable[EdgeDraft]) -> list[str]:
    """Every edge rule, duplicates, and required sub-inputs (an agent needs a model)."""
    by_id = {node.node_id: node for node in nodes}
    errors: list[str] = []
    seen: set[tuple] = set()
    fed: set[tuple[str, str]] = set()
    for edge in edges:
        errors.extend(edge_errors(edge, by_id))
        if edge.key in seen:
            errors.append(duplicate_error(edge, [edge]))
        seen.add(edge.key)
        fed.add((edge.target_node_id, edge.edge_label))
    for node in by_id.values():
        spec = registry.find(node.component_type)
        if spec is None:
            errors.append(f"Node '{node.node_id}' has unknown component type '{node.component_type}'")
            continue
        for sub in spec.required_sub_inputs:
            if (node.node_id, registry.SUB_INPUT_EDGE_LABEL[sub]) not in fed:
                errors.append(f"Node '{node.node_id}' is missing required '{sub}' connection")
    return list(dict.fromkeys(errors))


def graph_warnings(nodes: Iterable[NodeLike], edges: Iterable[EdgeDraft]) -> list[str]:
    """Nodes no trigger reaches (sub-components count as reached through their parent)."""
    nodes = list(nodes)
    edges = list(edges)
    specs = {node.node_id: registry.find(node.component_type) for node in nodes}
    triggers = [n.node_id for n in nodes if specs[n.node_id] and specs[n.node_id].is_trigger]
    if nodes and not triggers:
        return ["Workflow has no trigger node"]
    attached = {e.source_node_id for e in edges if e.edge_label in LABEL_SUB_INPUT}
    flow: dict[str, list[str]] = {}
    for edge in edges:
        if edge.edge_label in FLOW_LABELS:
            flow.setdefault(edge.source_node_id, []).append(edge.target_node_id)
    reached, queue = set(triggers), deque(triggers)
    while queue:
        for nxt in flow.get(queue.popleft(), ()):
            if nxt not in reached:
                reached.add(nxt)
                queue.append(nxt)
    warnings = []
    for node in nodes:
        spec = specs[node.node_id]
        if node.node_id in reached or node.node_id in attached or (spec and spec.is_sub_component):
            continue
        warnings.append(f"Node '{node.node_id}' is not reachable from any trigger")
    return warnings
