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
    # loop node_id -> the body it runs once per item: a Topology whose entry (`trigger_node_id`) is
    # the loop node itself, with its loop_body edges as the entry's outgoing edges. Body nodes are
    # not in `order`: the loop step runs them (orchestrator/loops.py).
    loop_bodies: dict[str, Topology] = field(default_factory=dict)
    # in a loop body: the nodes whose loop_return edges hand an iteration's result back to the loop
    return_sources: tuple[str, ...] = ()

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
    attachments: dict[str, dict[str, list[str]]] = {}
    for edge in edges:
        if edge.edge_label in SUB_COMPONENT_LABELS and edge.target in reachable:
            attachments.setdefault(edge.target, {}).setdefault(edge.edge_label, []).append(edge.source)
    sub_components = {p: {lbl: tuple(ids) for lbl, ids in m.items()} for p, m in attachments.items()}
    returns = [e for e in edges if e.edge_label == LOOP_RETURN and e.source in reachable]
    return _layer(trigger_node_id, reachable, flow, returns, sub_components)


def _layer(
    entry: str,
    members: set[str],
    flow: list[EdgeSnapshot],
    returns: list[EdgeSnapshot],
    sub_components: dict[str, dict[str, tuple[str, ...]]],
) -> Topology:
    """The Topology of `members` run from `entry`; every loop's body becomes a nested layer."""
    edges = [e for e in flow if e.source in members and e.target in members]
    bodies = _loop_bodies(entry, members, edges)
    inner = set().union(*bodies.values()) if bodies else set()
    for edge in edges:
        if edge.target in inner and edge.source not in inner:
            if edge.edge_label == LOOP_BODY and edge.target in bodies.get(edge.source, ()):
                continue
            raise GraphError(
                f"node {edge.target!r} is inside a loop body and cannot also be fed by {edge.source!r}"
            )
    main = members - inner
    main_edges = [e for e in edges if e.source in main and e.target in main]
    incoming: dict[str, list[EdgeSnapshot]] = {}
    outgoing: dict[str, list[EdgeSnapshot]] = {}
    for edge in main_edges:
        incoming.setdefault(edge.target, []).append(edge)
        outgoing.setdefault(edge.source, []).append(edge)
    order = _topological_order(entry, main, outgoing, incoming)
    loop_bodies = {
        loop_id: _layer(loop_id, body | {loop_id}, edges, returns, sub_components)
        for loop_id, body in bodies.items()
    }
    return Topology(
        trigger_node_id=entry,
        order=order,
        edges=tuple(main_edges),
        incoming={k: tuple(v) for k, v in incoming.items()},
        outgoing={k: tuple(v) for k, v in outgoing.items()},
        sub_components=sub_components,
        loop_bodies=loop_bodies,
        return_sources=tuple(
            dict.fromkeys(e.source for e in returns if e.target == entry and e.source in members)
        ),
    )


def _loop_bodies(entry: str, members: set[str], edges: list[EdgeSnapshot]) -> dict[str, set[str]]:
    """loop node -> its body (what its loop_body edges reach), for the outermost loops of a layer.

    The layer's own entry is never split again: inside a body layer its loop_body edges are the flow."""
    bodies: dict[str, set[str]] = {}
    for loop_id in sorted(members - {entry}):
        starts = [e.target for e in edges if e.source == loop_id and e.edge_label == LOOP_BODY]
        if not starts:
            continue
        body, queue = set(starts), deque(starts)
        while queue:
            for edge in edges:
                if edge.source != queue[0]:
                    continue
                if edge.target == loop_id:
                    raise GraphError(
                        f"node {edge.source!r} connects back to loop {loop_id!r}: use a loop_return edge"
                    )
                if edge.target not in body:
                    body.add(edge.target)
                    queue.append(edge.target)
            queue.popleft()
        bodies[loop_id] = body
    return {
        loop_id: body
        for loop_id, body in bodies.items()
        if not any(loop_id in other for other_id, other in bodies.items() if other_id != loop_id)
    }


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
