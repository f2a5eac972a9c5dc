import pytest

from apps.execution.graph import snapshot_from_dict
from apps.execution.topology import GraphError, build_topology, reachable_nodes


def _snapshot(edges, extra_nodes=()):
    ids = sorted(
        {
            p
            for e in edges
            for p in (
                (e.split("->")[0], e.split("->")[1]) if isinstance(e, str) else (e["source"], e["target"])
            )
        }
        | set(extra_nodes)
    )
    return snapshot_from_dict({"nodes": [{"id": i.strip(), "type": "t_step"} for i in ids], "edges": edges})


def test_reachability_follows_only_the_firing_trigger_branch():
    snapshot = _snapshot(["chat -> agent", "telegram -> agent2", "agent2 -> code"], extra_nodes=["unused"])
    assert reachable_nodes("chat", snapshot.edges) == {"chat", "agent"}


def test_sub_component_edges_attach_to_the_parent_and_are_not_flow():
    snapshot = _snapshot(
        [
            "t -> agent",
            {"source": "model", "target": "agent", "label": "llm"},
            {"source": "search", "target": "agent", "label": "tool"},
        ]
    )
    topology = build_topology(snapshot, "t")
    assert topology.order == ("t", "agent")
    assert topology.sub_components == {"agent": {"llm": ("model",), "tool": ("search",)}}


def test_loop_body_edges_are_followed_for_reachability():
    snapshot = _snapshot(
        [
            "t -> loop",
            {"source": "loop", "target": "body", "label": "loop_body"},
            {"source": "body", "target": "loop", "label": "loop_return"},
        ]
    )
    topology = build_topology(snapshot, "t")
    assert topology.order == ("t", "loop")
    body = topology.loop_bodies["loop"]
    assert body.order == ("loop", "body") and body.return_sources == ("body",)
    assert all(e.edge_label != "loop_return" for e in topology.edges + body.edges)


def test_a_loop_body_is_a_chain_and_may_hold_a_nested_loop():
    snapshot = _snapshot(
        [
            "t -> outer",
            {"source": "outer", "target": "a", "label": "loop_body"},
            "a -> inner",
            {"source": "inner", "target": "x", "label": "loop_body"},
            "x -> y",
            {"source": "y", "target": "inner", "label": "loop_return"},
            "inner -> b",
            {"source": "b", "target": "outer", "label": "loop_return"},
            "outer -> done",
        ]
    )
    topology = build_topology(snapshot, "t")
    assert topology.order == ("t", "outer", "done")
    outer = topology.loop_bodies["outer"]
    assert outer.order == ("outer", "a", "inner", "b") and outer.return_sources == ("b",)
    inner = outer.loop_bodies["inner"]
    assert inner.order == ("inner", "x", "y") and inner.return_sources == ("y",)


def test_a_body_node_fed_from_outside_the_loop_is_refused():
    snapshot = _snapshot(
        [
            "t -> loop",
            "t -> body",
            {"source": "loop", "target": "body", "label": "loop_body"},
        ]
    )
    with pytest.raises(GraphError, match="inside a loop body"):
        build_topology(snapshot, "t")


def test_a_plain_edge_back_into_the_loop_is_refused():
    snapshot = _snapshot(
        ["t -> loop", {"source": "loop", "target": "body", "label": "loop_body"}, "body -> loop"]
    )
    with pytest.raises(GraphError, match="loop_return"):
        build_topology(snapshot, "t")


def test_order_is_topological_for_diamonds():
    topology = build_topology(_snapshot(["t -> a", "t -> b", "a -> c", "b -> c", "c -> d"]), "t")
    order = topology.order
    assert order[0] == "t" and order.index("c") > max(order.index("a"), order.index("b")) and order[-1] == "d"
    assert topology.sinks() == ("d",)


def test_nodes_that_do_not_run_in_flow_are_neither_run_nor_traversed():
    snapshot = _snapshot(["t -> model", "model -> after", "t -> a"])
    topology = build_topology(snapshot, "t", runs_in_flow=lambda n: n != "model")
    assert set(topology.order) == {"t", "a"}


def test_a_data_cycle_is_a_graph_error():
    with pytest.raises(GraphError, match="cycle"):
        build_topology(_snapshot(["t -> a", "a -> b", "b -> a"]), "t")


def test_unknown_trigger_is_a_graph_error():
    with pytest.raises(GraphError, match="not in workflow"):
        build_topology(_snapshot(["t -> a"]), "nope")
