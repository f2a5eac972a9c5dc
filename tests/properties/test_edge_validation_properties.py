"""Hypothesis properties of edge validation (apps/workflows/validation.py) over the real registry."""

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.workflows import registry
from apps.workflows.registry import DataType
from apps.workflows.validation import EdgeDraft, duplicate_error, edge_errors, graph_errors, types_compatible


@dataclass
class Node:
    node_id: str
    component_type: str


TYPES = sorted(spec.component_type for spec in registry.all_specs())
COMPONENT = st.sampled_from([*TYPES, "no_such_type"])
NODE_ID = st.sampled_from(["a", "b", "c", "d"])
LABELS = st.sampled_from(["", "llm", "tool", "memory", "output_parser", "loop_body", "loop_return", "junk"])
EDGES = st.builds(
    EdgeDraft,
    source_node_id=NODE_ID | st.just("ghost"),
    target_node_id=NODE_ID | st.just("") | st.just("ghost"),
    edge_type=st.sampled_from(["direct", "conditional"]),
    edge_label=LABELS,
    condition_value=st.sampled_from(["", "yes"]),
)
NODES = st.dictionaries(NODE_ID, COMPONENT, min_size=1).map(
    lambda d: {node_id: Node(node_id, ctype) for node_id, ctype in d.items()}
)
SETTINGS = settings(max_examples=120, deadline=None)


@SETTINGS
@given(NODES, EDGES)
def test_edge_errors_is_a_total_function_returning_messages(nodes, edge):
    errors = edge_errors(edge, nodes)
    assert isinstance(errors, list) and all(isinstance(e, str) and e for e in errors)


@SETTINGS
@given(NODES, EDGES)
def test_missing_endpoints_and_self_loops_are_always_errors(nodes, edge):
    errors = edge_errors(edge, nodes)
    if edge.source_node_id not in nodes:
        assert any("Source node" in e for e in errors)
    if edge.source_node_id == edge.target_node_id and edge.source_node_id in nodes:
        assert errors


@SETTINGS
@given(NODES, EDGES)
def test_conditional_edges_need_a_value_and_a_routing_source(nodes, edge):
    errors = edge_errors(edge, nodes)
    if edge.edge_type == "conditional" and not edge.condition_value:
        assert errors
    source = nodes.get(edge.source_node_id)
    spec = registry.find(source.component_type) if source else None
    if edge.edge_type == "conditional" and spec is not None and not spec.routes:
        assert errors


@SETTINGS
@given(NODES, EDGES)
def test_validation_is_deterministic_and_ignores_unrelated_nodes(nodes, edge):
    first = edge_errors(edge, nodes)
    extra = dict(nodes)
    extra["zz_unrelated"] = Node("zz_unrelated", "code")
    assert edge_errors(edge, nodes) == first == edge_errors(edge, extra)


@SETTINGS
@given(NODES, st.lists(EDGES, max_size=6))
def test_graph_errors_include_every_single_edge_error_and_duplicates(nodes, edges):
    errors = graph_errors(nodes.values(), edges)
    for edge in edges:
        for message in edge_errors(edge, nodes):
            assert message in errors
    for i, edge in enumerate(edges):
        if duplicate_error(edge, edges[:i]):
            assert any("already exists" in e for e in errors)


@SETTINGS
@given(st.sampled_from(list(DataType)), st.sampled_from(list(DataType)))
def test_type_compatibility_rules(source, target):
    assert types_compatible(source, source)
    assert types_compatible(DataType.ANY, target) and types_compatible(source, DataType.ANY)
    if types_compatible(source, target) and source != target and DataType.ANY not in (source, target):
        assert (source, target) == (DataType.STRING, DataType.MESSAGES)
