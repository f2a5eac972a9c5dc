"""Which nodes a firing trigger reaches, in what order, and which sub-components attach to them."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from apps.execution.graph import EdgeSnapshot, GraphSnapshot
from apps.workflows.registry import SUB_INPUT_EDGE_LABEL

# Edge labels that attach a sub-component to its parent instead of carrying data flow.
SUB_COMPONENT_LABELS = frozenset(SUB_INPUT_EDGE_LABEL.values())
LOOP_BODY = "loop_body"
LOOP_RETURN = "loop_return"
FLOW_LABELS = frozenset({"", LOOP_BODY, LOOP_RETURN})


class GraphError(ValueError):
    """The reachable part of the graph cannot be run (cycle, unknown node)."""


def is_flow_edge(edge: EdgeSnapshot) -> bool:
    return edge.edge_label in FLOW_LABELS


@dataclass(frozen=True)
class Topology:
    trigger_node_id: str
    order: tuple[str, ...]  # reachable flow nodes, topologically sorted, trigger first
    edges: tuple[EdgeSnapshot, ...]  # flow edges between reachable nodes (loop_return excluded)
    incoming: dict[str, tuple[EdgeSnapshot, ...]] = field(default_factory=dict)
    outgoing: dict[str, tuple[EdgeSnapshot, ...]] = field(default_factory=dict)
    # parent node_id -> {edge label: (sub-component node ids...)}
    sub_components: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    def sinks(self) -> tuple[str, ...]:
        return tuple(n for n in self.order if not self.outgoing.get(n))


def reachable_nodes(
    trigger_node_id: str,
    edges: Iterable[EdgeSnapshot],
    *,
    runs_in_flow: Callable[[str], bool] = lambda _: True,
) -> set[str]:
    """BFS from the trigger over data edges ("" and loop labels); stops at nodes that do not run in flow."""
    adjacency: dict[str, list[str]] = {}
    for edge in edges:
        if is_flow_edge(edge):
            adjacency.setdefault(edge.source, []).append(edge.target)
    seen = {trigger_node_id}
    queue = deque([trigger_node_id])
    while queue:
        for target in adjacency.get(queue.popleft(), ()):
            if target not in seen and runs_in_flow(target):
                seen.add(target)
                queue.append(target)
    return seen


def build_topology(
    snapshot: GraphSnapshot, trigger_node_id: str, *, runs_in_flow: Callable[[str], bool] = lambda _: True
) -> Topology:
    """Reachable flow subgraph of `snapshot` from `trigger_node_id`.

    `runs_in_flow(node_id)` says whether a node is executed by the orchestrator (executable and not a
    sub-component); nodes for which it is False are neither run nor traversed.
    """
    if not snapshot.has_node(trigger_node_id):
        raise GraphError(f"trigger node {trigger_node_id!r} is not in workflow {snapshot.workflow_slug!r}")
    known = {n.node_id for n in snapshot.nodes}
    edges = [e for e in snapshot.edges if e.source in known and e.target in known]
    reachable = reachable_nodes(trigger_node_id, edges, runs_in_flow=runs_in_flow)
    # loop_return edges close a loop; until the loop node exists they carry no forward flow.
    flow = sorted(
        (e for e in edges if is_flow_edge(e) and e.edge_label != LOOP_RETURN),
        key=lambda e: (e.priority, e.source, e.target),
    )
    flow = [e for e in flow if e.source in reachable and e.target in reachable]
    incoming: dict[str, list[EdgeSnapshot]] = {}
    outgoing: dict[str, list[EdgeSnapshot]] = {}
    for edge in flow:
        incoming.setdefault(edge.target, []).append(edge)
        outgoing.setdefault(edge.source, []).append(edge)
    order = _topological_order(trigger_node_id, reachable, outgoing, incoming)
    attachments: dict[str, dict[str, list[str]]] = {}
    for edge in edges:
        if edge.edge_label in SUB_COMPONENT_LABELS and edge.target in reachable:
            attachments.setdefault(edge.target, {}).setdefault(edge.edge_label, []).append(edge.source)
    return Topology(
        trigger_node_id=trigger_node_id,
        order=order,
        edges=tuple(flow),
        incoming={k: tuple(v) for k, v in incoming.items()},
        outgoing={k: tuple(v) for k, v in outgoing.items()},
        sub_components={p: {lbl: tuple(ids) for lbl, ids in m.items()} for p, m in attachments.items()},
    )


def _topological_order(
    trigger: str,
    nodes: set[str],
    outgoing: dict[str, list[EdgeSnapshot]],
    incoming: dict[str, list[EdgeSnapshot]],
) -> tuple[str, ...]:
    remaining = {n: len({e.source for e in incoming.get(n, ())}) for n in nodes}
    if remaining[trigger]:
        raise GraphError(f"trigger node {trigger!r} has incoming data edges in a cycle")
    ready = deque([trigger])
    order: list[str] = []
    while ready:
        node = ready.popleft()
        order.append(node)
        for target in dict.fromkeys(e.target for e in outgoing.get(node, ())):
            remaining[target] -= 1
            if remaining[target] == 0:
                ready.append(target)
    if len(order) != len(nodes):
        cyclic = sorted(nodes - set(order))
        raise GraphError(f"data edges form a cycle through {', '.join(cyclic)}")
    return tuple(order)
