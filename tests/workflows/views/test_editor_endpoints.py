"""The canvas editor's session-auth endpoints through Django's test client."""

import json

import pytest
from django.test import Client

from apps.workflows.models import WorkflowEdge, WorkflowNode
from tests.factories import UserFactory, WorkflowFactory, WorkflowNodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def workflow(owner):
    return WorkflowFactory(owner=owner, slug="flow")


@pytest.fixture
def web(owner) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(owner)
    return client


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_editor_page_renders_palette_nodes_and_edges(web, workflow):
    a = WorkflowNodeFactory(workflow=workflow, node_id="trigger_manual_1", component_type="trigger_manual")
    b = WorkflowNodeFactory(workflow=workflow, node_id="code_1", component_type="code", position_x=300)
    WorkflowEdge.objects.create(workflow=workflow, source=a, target=b)
    response = web.get("/workflows/flow/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-component-type="switch"' in html  # palette straight from the registry
    assert 'id="node-code_1"' in html and "left: 300.0px" in html
    assert 'data-source="trigger_manual_1" data-target="code_1"' in html
    assert 'd="M 200.0 32.0 C' in html  # the curve leaves the trigger's output handle
    assert "/ws/editor/?channel=workflow:flow" in html


def test_editor_requires_login(workflow):
    response = Client().get("/workflows/flow/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Client().post("/workflows/flow/editor/nodes/", {}).status_code == 302


def test_other_users_workflow_is_404_for_page_and_writes(workflow):
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get("/workflows/flow/").status_code == 404
    response = post_json(stranger, "/workflows/flow/editor/nodes/", {"component_type": "code"})
    assert response.status_code == 404
    assert not WorkflowNode.objects.exists()


def test_public_workflow_is_readable_but_not_writable(workflow):
    workflow.is_public = True
    workflow.save()
    reader = Client()
    reader.force_login(UserFactory())
    assert reader.get("/workflows/flow/").status_code == 200
    response = post_json(reader, "/workflows/flow/editor/nodes/", {"component_type": "code"})
    assert response.status_code == 403


def test_csrf_is_enforced(owner, workflow):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = post_json(client, "/workflows/flow/editor/nodes/", {"component_type": "code"})
    assert response.status_code == 403


def test_create_node_at_drop_position(web, workflow):
    response = post_json(
        web,
        "/workflows/flow/editor/nodes/",
        {"component_type": "code", "position_x": 120, "position_y": 80.5},
    )
    assert response.status_code == 201
    node = WorkflowNode.objects.get(node_id=response.json()["node_id"])
    assert (node.component_type, node.position_x, node.position_y) == ("code", 120, 80.5)


def test_create_node_with_unknown_type_is_422(web, workflow):
    response = post_json(web, "/workflows/flow/editor/nodes/", {"component_type": "nope"})
    assert response.status_code == 422
    assert "Unknown component type" in response.json()["detail"]


def test_bad_coordinates_are_400(web, workflow):
    response = post_json(
        web, "/workflows/flow/editor/nodes/", {"component_type": "code", "position_x": "left"}
    )
    assert response.status_code == 400 and not WorkflowNode.objects.exists()


def test_move_saves_the_position(web, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="code_1")
    response = post_json(
        web, "/workflows/flow/editor/nodes/code_1/position/", {"position_x": 40, "position_y": -12}
    )
    assert response.status_code == 200
    node = WorkflowNode.objects.get(node_id="code_1")
    assert (node.position_x, node.position_y) == (40, -12)


def test_delete_node_removes_its_edges(web, workflow):
    a = WorkflowNodeFactory(workflow=workflow, node_id="a")
    b = WorkflowNodeFactory(workflow=workflow, node_id="b")
    WorkflowEdge.objects.create(workflow=workflow, source=a, target=b)
    assert web.delete("/workflows/flow/editor/nodes/a/").status_code == 204
    assert list(WorkflowNode.objects.values_list("node_id", flat=True)) == ["b"]
    assert not WorkflowEdge.objects.exists()


def test_create_edge_and_conditional_edge_from_a_switch_route(web, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="t", component_type="trigger_manual")
    WorkflowNodeFactory(workflow=workflow, node_id="s", component_type="switch")
    WorkflowNodeFactory(workflow=workflow, node_id="c", component_type="code")
    assert (
        post_json(
            web, "/workflows/flow/editor/edges/", {"source_node_id": "t", "target_node_id": "s"}
        ).status_code
        == 201
    )
    response = post_json(
        web,
        "/workflows/flow/editor/edges/",
        {"source_node_id": "s", "target_node_id": "c", "edge_type": "conditional", "condition_value": "big"},
    )
    assert response.status_code == 201
    assert response.json()["condition_value"] == "big"


def test_invalid_edge_answers_the_validation_errors_and_is_not_saved(web, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="c", component_type="code")
    WorkflowNodeFactory(workflow=workflow, node_id="t", component_type="trigger_manual")
    response = post_json(web, "/workflows/flow/editor/edges/", {"source_node_id": "c", "target_node_id": "t"})
    assert response.status_code == 422
    assert response.json()["detail"]["validation_errors"] == [
        "Target type 'trigger_manual' has no input ports"
    ]
    assert not WorkflowEdge.objects.exists()


def test_sub_input_edge_needs_the_target_to_have_that_input(web, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="m", component_type="ai_model")
    WorkflowNodeFactory(workflow=workflow, node_id="a", component_type="agent")
    WorkflowNodeFactory(workflow=workflow, node_id="c", component_type="code")
    ok = post_json(
        web,
        "/workflows/flow/editor/edges/",
        {"source_node_id": "m", "target_node_id": "a", "edge_label": "llm"},
    )
    assert ok.status_code == 201
    bad = post_json(
        web,
        "/workflows/flow/editor/edges/",
        {"source_node_id": "m", "target_node_id": "c", "edge_label": "llm"},
    )
    assert bad.status_code == 422
    assert "has no 'model' input" in bad.json()["detail"]["validation_errors"][0]


def test_delete_edge(web, workflow):
    a = WorkflowNodeFactory(workflow=workflow, node_id="a")
    b = WorkflowNodeFactory(workflow=workflow, node_id="b")
    edge = WorkflowEdge.objects.create(workflow=workflow, source=a, target=b)
    assert web.delete(f"/workflows/flow/editor/edges/{edge.pk}/").status_code == 204
    assert not WorkflowEdge.objects.exists()
    assert web.delete(f"/workflows/flow/editor/edges/{edge.pk}/").status_code == 404


def test_node_card_and_graph_fragments(web, workflow):
    WorkflowNodeFactory(
        workflow=workflow,
        node_id="s",
        component_type="switch",
        config={"extra_config": {"rules": [{"id": "big"}, {"id": "small"}], "enable_fallback": True}},
    )
    card = web.get("/workflows/flow/editor/nodes/s/card/").content.decode()
    assert card.count('data-handle-kind="route"') == 3  # big, small, other
    assert 'data-handle-name="__other__"' in card
    assert 'id="node-s"' in web.get("/workflows/flow/editor/graph/").content.decode()


def test_run_button_fires_the_manual_trigger(web, workflow):
    from apps.execution.models import WorkflowExecution

    WorkflowNodeFactory(workflow=workflow, node_id="trigger_manual_1", component_type="trigger_manual")
    response = web.post("/workflows/flow/editor/nodes/trigger_manual_1/run/")
    assert response.status_code == 202
    execution = WorkflowExecution.objects.get()
    assert str(execution.execution_id) == response.json()["execution_id"]
    assert execution.trigger_node_key == "trigger_manual_1"


def test_run_refuses_an_inactive_trigger_and_non_triggers(web, workflow):
    from apps.execution.models import WorkflowExecution

    WorkflowNodeFactory(
        workflow=workflow, node_id="t", component_type="trigger_manual", config={"is_active": False}
    )
    WorkflowNodeFactory(workflow=workflow, node_id="c", component_type="code")
    assert web.post("/workflows/flow/editor/nodes/t/run/").status_code == 409
    assert web.post("/workflows/flow/editor/nodes/c/run/").status_code == 422
    assert not WorkflowExecution.objects.exists()


def test_chat_send_needs_text_and_a_chat_trigger(web, workflow):
    from apps.execution.models import WorkflowExecution

    assert web.post("/workflows/flow/editor/chat/", {"text": "hi"}).status_code == 422
    WorkflowNodeFactory(workflow=workflow, node_id="trigger_chat_1", component_type="trigger_chat")
    assert web.post("/workflows/flow/editor/chat/", {"text": "  "}).status_code == 422
    response = web.post("/workflows/flow/editor/chat/", {"text": "hello"})
    assert response.status_code == 202
    assert WorkflowExecution.objects.get().trigger_payload["text"] == "hello"


def test_chat_panel_is_shown_for_a_chat_trigger_with_send_enabled(web, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="trigger_chat_1", component_type="trigger_chat")
    html = web.get("/workflows/flow/").content.decode()
    assert 'id="chat-panel"' in html
    assert 'placeholder="Type a message…" >' in html or 'placeholder="Type a message…">' in html
