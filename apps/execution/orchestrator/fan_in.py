"""Which upstream branches of a node are live: the rule that decides run vs. skipped.

Every node runs at most once, after all of its upstream nodes in the compiled graph have settled
(success, failed or skipped; LangGraph joins them). An incoming edge is live when its source succeeded
and, for a conditional edge, the source's `_route` equals the edge's `condition_value` -- or no
conditional edge of that source matches the route and this edge's condition_value is "default".
A node runs when at least one incoming edge is live, so a merge (`fan_in`) is never blocked by a branch
a switch did not take; otherwise it is skipped and its own successors see it as dead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apps.execution.graph import CONDITIONAL, EdgeSnapshot
from apps.execution.topology import Topology

DEFAULT_ROUTE = "default"


@dataclass(frozen=True)
class Liveness:
    live_sources: tuple[str, ...]
    reason: str = ""  # why nothing is live


def edge_is_live(edge: EdgeSnapshot, topology: Topology, routes: Mapping[str, str]) -> bool:
    if edge.edge_type != CONDITIONAL:
        return True
    route = routes.get(edge.source)
    if route is not None and edge.condition_value == route:
        return True
    if edge.condition_value != DEFAULT_ROUTE:
        return False
    siblings = topology.outgoing.get(edge.source, ())
    return not any(e.edge_type == CONDITIONAL and e.condition_value == route for e in siblings)


def liveness(node_id: str, topology: Topology, state: Mapping[str, Any]) -> Liveness:
    results = state.get("node_results") or {}
    routes = state.get("routes") or {}
    live: list[str] = []
    route_missed = False
    for edge in topology.incoming.get(node_id, ()):
        source = results.get(edge.source)
        if source is None or not source.ok:
            continue
        if edge_is_live(edge, topology, routes):
            if edge.source not in live:
                live.append(edge.source)
        else:
            route_missed = True
    if live:
        return Liveness(tuple(live))
    reason = "route did not match" if route_missed else "no live upstream branch"
    return Liveness((), reason)
