"""Reading a graph costs a constant number of SQL queries, whatever its size and mix of config kinds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.workflows import registry, selectors
from apps.workflows.models import WorkflowEdge, WorkflowNode, config_class_for
from tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db

KINDS = ["trigger_chat", "agent", "ai_model", "code", "workflow", "switch"]


def build_chain(workflow, size: int) -> None:
    nodes = WorkflowNode.objects.bulk_create(
        WorkflowNode(workflow=workflow, node_id=f"n{i}", component_type=KINDS[i % len(KINDS)])
        for i in range(size)
    )
    for node in nodes:
        config_class_for(registry.get(node.component_type).config_kind).objects.create(node=node)
    WorkflowEdge.objects.bulk_create(
        WorkflowEdge(workflow=workflow, source=a, target=b) for a, b in zip(nodes, nodes[1:], strict=False)
    )


@pytest.fixture
def api_client(api_client):
    """The key's first use records last_used_at (one extra UPDATE); spend it before measuring."""
    api_client.get("/api/v1/workflows/")
    return api_client


def count_detail_queries(client, slug: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/v1/workflows/{slug}/")
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()


def test_detail_of_500_nodes_costs_what_detail_of_6_costs(api_client, user, django_assert_max_num_queries):
    small, large = WorkflowFactory(owner=user), WorkflowFactory(owner=user)
    build_chain(small, 6)
    build_chain(large, 500)
    small_count, _ = count_detail_queries(api_client, small.slug)
    large_count, body = count_detail_queries(api_client, large.slug)
    assert body["node_count"] == 500 and body["edge_count"] == 499
    assert all("config" in node for node in body["nodes"])
    assert body["nodes"][1]["config"]["system_prompt"] == ""  # the agent's AIConfig, not a base row
    assert large_count == small_count
    with django_assert_max_num_queries(
        14
    ):  # auth (2) + workflow (1) + nodes (1) + configs (1 + kinds) + edges (1)
        api_client.get(f"/api/v1/workflows/{large.slug}/")


def test_node_and_edge_lists_are_constant_too(api_client, user):
    small, large = WorkflowFactory(owner=user), WorkflowFactory(owner=user)
    build_chain(small, 6)
    build_chain(large, 300)
    counts = []
    for workflow in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            api_client.get(f"/api/v1/workflows/{workflow.slug}/nodes/")
            api_client.get(f"/api/v1/workflows/{workflow.slug}/edges/")
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_workflow_graph_selector_is_constant(user, django_assert_max_num_queries):
    workflow = WorkflowFactory(owner=user)
    build_chain(workflow, 200)
    with django_assert_max_num_queries(8):
        graph = selectors.workflow_graph(workflow=workflow)
        assert graph.config("n1").kind == "ai"
        assert {e.source_key for e in graph.edges} == {f"n{i}" for i in range(199)}


def test_list_counts_do_not_query_per_workflow(api_client, user):
    for _ in range(3):
        build_chain(WorkflowFactory(owner=user), 3)
    with CaptureQueriesContext(connection) as few:
        api_client.get("/api/v1/workflows/")
    for _ in range(10):
        build_chain(WorkflowFactory(owner=user), 3)
    with CaptureQueriesContext(connection) as many:
        body = api_client.get("/api/v1/workflows/").json()
    assert len(few.captured_queries) == len(many.captured_queries)
    assert {item["node_count"] for item in body["items"]} == {3}


def test_row_payloads_match_the_model_serializers(user):
    from apps.workflows.serializers import serialize_edge, serialize_node

    workflow = WorkflowFactory(owner=user)
    build_chain(workflow, 12)
    graph = selectors.workflow_graph(workflow=workflow)
    assert selectors.node_payloads(workflow=workflow) == [serialize_node(n) for n in graph.nodes]
    assert selectors.edge_payloads(workflow=workflow) == [serialize_edge(e) for e in graph.edges]


def test_finding_a_trigger_joins_only_its_own_config_table_and_attaches_the_concrete_config():
    workflow = WorkflowFactory()
    build_chain(workflow, 6)
    with CaptureQueriesContext(connection) as ctx:
        node = selectors.node_first_of_type(workflow=workflow, component_type="trigger_chat")
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    assert "workflows_triggerconfig" in sql
    assert "workflows_aiconfig" not in sql and "workflows_codeconfig" not in sql
    assert type(node._prefetched_config).__name__ == "TriggerConfig"
    with CaptureQueriesContext(connection) as ctx:
        assert node._prefetched_config.is_active
    assert len(ctx.captured_queries) == 0
