from apps.execution.graph import CONDITIONAL, EdgeSnapshot, GraphSnapshot, NodeSnapshot, snapshot_from_dict


def _graph(nodes, edges):
    return GraphSnapshot(workflow_slug="wf", nodes=tuple(nodes), edges=tuple(edges))


def test_structure_hash_ignores_order_of_nodes_and_edges():
    a = NodeSnapshot("a", "code", {"code": "return 1", "x": {"b": 1, "a": 2}})
    b = NodeSnapshot("b", "code", {"code": "return 2"})
    e1, e2 = EdgeSnapshot("a", "b"), EdgeSnapshot("b", "a", edge_label="loop_return")
    assert _graph([a, b], [e1, e2]).structure_hash() == _graph([b, a], [e2, e1]).structure_hash()


def test_structure_hash_changes_when_a_config_or_edge_changes():
    base = _graph([NodeSnapshot("a", "code", {"code": "return 1"})], [])
    changed_config = _graph([NodeSnapshot("a", "code", {"code": "return 2"})], [])
    changed_retries = _graph([NodeSnapshot("a", "code", {"code": "return 1"}, max_retries=2)], [])
    with_edge = _graph([NodeSnapshot("a", "code", {"code": "return 1"})], [EdgeSnapshot("a", "a")])
    hashes = {g.structure_hash() for g in (base, changed_config, changed_retries, with_edge)}
    assert len(hashes) == 4


def test_structure_hash_is_a_sha256_hex_digest():
    digest = _graph([], []).structure_hash()
    assert len(digest) == 64 and int(digest, 16) >= 0


def test_snapshot_from_dict_reads_compact_and_full_edges():
    snapshot = snapshot_from_dict(
        {
            "slug": "demo",
            "max_execution_seconds": 5,
            "nodes": [
                {"id": "t", "type": "trigger_manual"},
                {"id": "s", "type": "switch", "config": {"rules": []}, "max_retries": 2},
                {"id": "m", "type": "ai_model"},
            ],
            "edges": [
                "t -> s",
                {"source": "s", "target": "t", "condition": "yes"},
                {"source": "m", "target": "s", "label": "llm"},
            ],
        }
    )
    assert snapshot.workflow_slug == "demo" and snapshot.max_execution_seconds == 5
    assert snapshot.node("s").max_retries == 2 and snapshot.node("s").config == {"rules": []}
    assert snapshot.edges[0] == EdgeSnapshot("t", "s")
    assert snapshot.edges[1].edge_type == CONDITIONAL and snapshot.edges[1].condition_value == "yes"
    assert snapshot.edges[2].edge_label == "llm"
