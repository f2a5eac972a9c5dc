"""POST /workflows/{slug}/validate/ and GET /workflows/node-types/."""

import pytest

from tests.factories import WorkflowEdgeFactory, WorkflowFactory, WorkflowNodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow(user):
    return WorkflowFactory(owner=user, slug="flow")


def node(workflow, node_id, component_type):
    return WorkflowNodeFactory(workflow=workflow, node_id=node_id, component_type=component_type)


def validate(client):
    response = client.post("/api/v1/workflows/flow/validate/", content_type="application/json")
    assert response.status_code == 200
    return response.json()


def test_complete_workflow_is_valid(api_client, workflow):
    chat, agent, model = (
        node(workflow, "chat", "trigger_chat"),
        node(workflow, "agent", "agent"),
        node(workflow, "model", "ai_model"),
    )
    WorkflowEdgeFactory(source=chat, target=agent)
    WorkflowEdgeFactory(source=model, target=agent, edge_label="llm")
    assert validate(api_client) == {"valid": True, "errors": [], "warnings": []}


def test_agent_without_model_is_invalid(api_client, workflow):
    chat, agent = node(workflow, "chat", "trigger_chat"), node(workflow, "agent_abc123", "agent")
    WorkflowEdgeFactory(source=chat, target=agent)
    body = validate(api_client)
    assert body["valid"] is False
    assert body["errors"] == ["Node 'agent_abc123' is missing required 'model' connection"]


def test_unreachable_nodes_are_warnings(api_client, workflow):
    chat, code = node(workflow, "chat", "trigger_chat"), node(workflow, "code", "code")
    WorkflowEdgeFactory(source=chat, target=code)
    node(workflow, "island", "code")
    node(workflow, "model", "ai_model")  # a sub-component is never "unreachable"
    body = validate(api_client)
    assert body["valid"] is True
    assert body["warnings"] == ["Node 'island' is not reachable from any trigger"]


def test_no_trigger_is_a_warning(api_client, workflow):
    node(workflow, "code", "code")
    assert validate(api_client)["warnings"] == ["Workflow has no trigger node"]


def test_stored_edges_that_break_the_rules_are_reported(api_client, workflow):
    # Rows written around the API (e.g. by an older version): validate still finds them.
    calc, agent, code = (
        node(workflow, "calc", "calculator"),
        node(workflow, "agent", "agent"),
        node(workflow, "code", "code"),
    )
    WorkflowEdgeFactory(source=calc, target=agent)
    WorkflowEdgeFactory(source=code, target=calc, edge_type="conditional", condition_value="x")
    errors = validate(api_client)["errors"]
    assert any("is not compatible" in e for e in errors)
    assert "Conditional edges can only originate from 'switch' nodes" in errors


def test_validate_unknown_workflow_is_404(api_client):
    assert api_client.post("/api/v1/workflows/nope/validate/").status_code == 404


def test_node_types_are_keyed_by_component_type(api_client):
    body = api_client.get("/api/v1/workflows/node-types/").json()
    agent = body["agent"]
    assert agent["label"] == "Agent" and agent["category"] == "ai" and agent["executable"] is True
    assert agent["inputs"] == [
        {"name": "messages", "data_type": "MESSAGES", "required": True, "description": ""}
    ]
    assert {"name": "model", "data_type": "llm", "edge_label": "llm", "required": True} in agent["sub_inputs"]
    assert body["switch"]["routes"] is True
    assert body["ai_model"]["is_sub_component"] is True
    assert body["trigger_chat"]["inputs"] == []


def test_node_types_follow_the_registry_when_it_changes(api_client):
    from apps.workflows import registry
    from apps.workflows.registry import Category, node_type

    url = "/api/v1/workflows/node-types/"
    assert "t_late" not in api_client.get(url).json()
    node_type("t_late", display_name="Late arrival", category=Category.LOGIC)(lambda ctx: {})
    try:
        assert api_client.get(url).json()["t_late"]["label"] == "Late arrival"
    finally:
        registry.unregister("t_late")
    assert "t_late" not in api_client.get(url).json()
