"""Compile the part of a GraphSnapshot reachable from a trigger into a LangGraph graph; LRU-cached."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langgraph.graph import START, StateGraph

from apps.execution.graph import GraphSnapshot
from apps.execution.orchestrator.chain import make_chain_step
from apps.execution.orchestrator.step import make_step
from apps.execution.state import WorkflowState
from apps.execution.topology import GraphError, Topology, build_topology
from apps.workflows import registry

CACHE_SIZE = 256


@dataclass(frozen=True)
class CompiledPlan:
    topology: Topology
    graph: Any  # langgraph CompiledStateGraph, without a checkpointer (runner.with_checkpointer)
    recursion_limit: int
    names: dict[str, str]  # node id -> internal graph node name
    breakpoints: dict[str, set[str]]  # "before"/"after" -> internal names (interrupt_before/_after)
    successors: dict[str, set[str]]  # internal name -> internal names of its flow successors
    # Every node light (or a trigger), no breakpoint: no per-step checkpoints, batched log rows.
    light: bool = False
    # A light plan that is one path (no node with two successors): the same nodes as one graph step
    # (chain.py), which a run without checkpoints uses instead of `graph`. None otherwise.
    chain_graph: Any = None

    @property
    def node_ids(self) -> dict[str, str]:
        return {name: node_id for node_id, name in self.names.items()}


_cache: OrderedDict[tuple[str, str], CompiledPlan] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def cache_size() -> int:
    return len(_cache)


def compile_plan(
    snapshot: GraphSnapshot,
    trigger_node_id: str,
    *,
    get_spec: Callable[[str], registry.NodeTypeSpec] = registry.get,
) -> CompiledPlan:
    """Compile (or fetch from the LRU) the graph for this structure and trigger. Raises GraphError."""
    key = (snapshot.structure_hash(), trigger_node_id)
    with _cache_lock:
        plan = _cache.get(key)
        if plan is not None:
            _cache.move_to_end(key)
            return plan
    plan = _compile(snapshot, trigger_node_id, get_spec)
    with _cache_lock:
        _cache[key] = plan
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return plan


def _runs_in_flow(snapshot: GraphSnapshot, get_spec) -> Callable[[str], bool]:
    def runs(node_id: str) -> bool:
        try:
            spec = get_spec(snapshot.node(node_id).component_type)
        except registry.UnknownNodeType:
            raise GraphError(
                f"node {node_id!r} has unknown type {snapshot.node(node_id).component_type!r}"
            ) from None
        return spec.executable and not spec.is_sub_component

    return runs


def _check_loop_bodies(snapshot: GraphSnapshot, topology, get_spec) -> None:
    """A node that may pause (wait, confirmation, subworkflow) cannot run once per loop item."""
    for loop_id, body in topology.loop_bodies.items():
        for node_id in body.order[1:]:
            node_type = snapshot.node(node_id).component_type
            if get_spec(node_type).interrupts:
                raise GraphError(
                    f"node {node_id!r} ({node_type}) may pause the execution and cannot be in the body "
                    f"of loop {loop_id!r}"
                )
        _check_loop_bodies(snapshot, body, get_spec)


def graph_node_name(node_id: str) -> str:
    return "node_" + hashlib.sha1(node_id.encode()).hexdigest()[:16]


def _compile(snapshot: GraphSnapshot, trigger_node_id: str, get_spec) -> CompiledPlan:
    topology = build_topology(snapshot, trigger_node_id, runs_in_flow=_runs_in_flow(snapshot, get_spec))
    _check_loop_bodies(snapshot, topology, get_spec)
    nodes = {n.node_id: n for n in snapshot.nodes}
    # Internal names: node ids may collide with state keys ("trigger") or LangGraph's reserved names
    # and characters. Derived from the node id, not its position, so a checkpoint taken before the
    # workflow was edited still names the same nodes.
    name = {node_id: graph_node_name(node_id) for node_id in topology.order}
    steps = {node_id: make_step(nodes[node_id], topology, nodes) for node_id in topology.order}
    builder = StateGraph(WorkflowState)
    for node_id in topology.order:
        builder.add_node(name[node_id], steps[node_id])
    builder.add_edge(START, name[trigger_node_id])
    for node_id in topology.order[1:]:
        sources = list(dict.fromkeys(name[e.source] for e in topology.incoming[node_id]))
        builder.add_edge(sources[0] if len(sources) == 1 else sources, name[node_id])
    breakpoints = {
        "before": {name[i] for i in topology.order if nodes[i].interrupt_before and i != trigger_node_id},
        "after": {name[i] for i in topology.order if nodes[i].interrupt_after},
    }
    successors = {
        name[i]: {name[e.target] for e in topology.outgoing.get(i, ()) if e.target in name}
        for i in topology.order
    }
    graph = builder.compile(
        interrupt_before=sorted(breakpoints["before"]) or None,
        interrupt_after=sorted(breakpoints["after"]) or None,
    )
    light = not (breakpoints["before"] or breakpoints["after"]) and all(
        spec.light or spec.is_trigger for spec in (get_spec(nodes[i].component_type) for i in topology.order)
    )
    return CompiledPlan(
        topology=topology,
        graph=graph,
        recursion_limit=len(topology.order) + 10,
        names=name,
        breakpoints=breakpoints,
        successors=successors,
        light=light,
        chain_graph=_chain_graph([steps[i] for i in topology.order])
        if light and _is_path(topology)
        else None,
    )


def _is_path(topology: Topology) -> bool:
    """No node leads to two others: the nodes run strictly one after another (nothing in parallel,
    nothing to wait for; a switch with one way out still decides whether the rest runs)."""
    members = set(topology.order)
    return all(
        len({e.target for e in topology.outgoing.get(i, ()) if e.target in members}) <= 1
        for i in topology.order
    )


def _chain_graph(steps: list) -> Any:
    builder = StateGraph(WorkflowState)
    builder.add_node("chain", make_chain_step(steps))
    builder.add_edge(START, "chain")
    return builder.compile()
