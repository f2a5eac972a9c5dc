"""REST: edges nested under a workflow — typing, labels, conditional rules, duplicates, scoping."""

import pytest

from apps.workflows.models import WorkflowEdge
from tests.factories import WorkflowEdgeFactory, WorkflowFactory, WorkflowNodeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/workflows/flow/edges/"


@pytest.fixture
def workflow(user):
    workflow = WorkflowFactory(owner=user, slug="flow")
    for node_id, component_type in [
        ("chat", "trigger_chat"),
        ("manual", "trigger_manual"),
        ("agent", "agent"),
        ("model", "ai_model"),
        ("switch", "switch"),
        ("code", "code"),
        ("code2", "code"),
        ("loop", "loop"),
        ("calc", "calculator"),
    ]:
        WorkflowNodeFactory(workflow=workflow, node_id=node_id, component_type=component_type)
    return workflow


def post(client, **body):
    return client.post(URL, body, format="json")


def test_create_data_edge_returns_the_reference_shape(api_client, workflow):
    response = post(api_client, source_node_id="chat", target_node_id="agent")
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "source_node_id": "chat",
        "target_node_id": "agent",
        "edge_type": "direct",
        "edge_label": "",
        "condition_mapping": None,
        "condition_value": "",
        "priority": 0,
    }


def test_list_is_a_flat_array(api_client, workflow):
    post(api_client, source_node_id="chat", target_node_id="agent")
    post(api_client, source_node_id="model", target_node_id="agent", edge_label="llm")
    body = api_client.get(URL).json()
    assert [(e["source_node_id"], e["edge_label"]) for e in body] == [("chat", ""), ("model", "llm")]


def test_type_mismatch_is_422_with_validation_errors(api_client, workflow):
    response = post(api_client, source_node_id="calc", target_node_id="agent")
    assert response.status_code == 422
    assert response.json() == {
        "detail": {
            "validation_errors": [
                "Source type 'calculator' output 'result' (number) is not compatible with "
                "target 'agent' input 'messages' (messages)"
            ]
        }
    }
    assert not WorkflowEdge.objects.exists()


def test_any_accepts_everything(api_client, workflow):
    assert post(api_client, source_node_id="calc", target_node_id="code").status_code == 201
    assert post(api_client, source_node_id="code", target_node_id="agent").status_code == 201


def test_a_fan_in_node_takes_any_type_one_element_per_edge(api_client, workflow):
    # merge's `branches` is ARRAY, yet each edge adds one element: a calculator's number fits.
    WorkflowNodeFactory(workflow=workflow, node_id="join", component_type="merge")
    assert post(api_client, source_node_id="calc", target_node_id="join").status_code == 201
    assert post(api_client, source_node_id="chat", target_node_id="join").status_code == 201


def test_edge_into_a_trigger_is_422(api_client, workflow):
    response = post(api_client, source_node_id="code", target_node_id="manual")
    assert response.status_code == 422
    assert "no input ports" in response.json()["detail"]["validation_errors"][0]


def test_llm_edge_bypasses_typing_but_needs_a_model_sub_input(api_client, workflow):
    assert (
        post(api_client, source_node_id="model", target_node_id="agent", edge_label="llm").status_code == 201
    )
    response = post(api_client, source_node_id="model", target_node_id="code", edge_label="llm")
    assert response.status_code == 422
    assert "has no 'model' input" in response.json()["detail"]["validation_errors"][0]


def test_tool_edge_targets_the_tools_sub_input(api_client, workflow):
    assert (
        post(api_client, source_node_id="calc", target_node_id="agent", edge_label="tool").status_code == 201
    )
    assert (
        post(api_client, source_node_id="calc", target_node_id="switch", edge_label="tool").status_code == 422
    )


def test_loop_edges_bypass_typing_but_need_a_loop_node(api_client, workflow):
    assert (
        post(api_client, source_node_id="loop", target_node_id="calc", edge_label="loop_body").status_code
        == 201
    )
    assert (
        post(api_client, source_node_id="calc", target_node_id="loop", edge_label="loop_return").status_code
        == 201
    )
    assert (
        post(api_client, source_node_id="code", target_node_id="calc", edge_label="loop_body").status_code
        == 422
    )


def test_conditional_edge_from_a_switch(api_client, workflow):
    response = post(
        api_client,
        source_node_id="switch",
        target_node_id="code",
        edge_type="conditional",
        condition_value="a",
    )
    assert response.status_code == 201
    assert response.json()["condition_value"] == "a"


def test_conditional_edge_from_a_non_switch_is_422(api_client, workflow):
    response = post(
        api_client,
        source_node_id="code",
        target_node_id="code2",
        edge_type="conditional",
        condition_value="a",
    )
    assert response.status_code == 422
    assert response.json()["detail"]["validation_errors"] == [
        "Conditional edges can only originate from 'switch' nodes"
    ]


def test_conditional_edge_needs_a_condition_value(api_client, workflow):
    response = post(api_client, source_node_id="switch", target_node_id="code", edge_type="conditional")
    assert response.status_code == 422
    assert response.json()["detail"]["validation_errors"] == [
        "Conditional edges require a non-empty condition_value"
    ]


def test_edge_to_a_missing_node_is_422(api_client, workflow):
    response = post(api_client, source_node_id="chat", target_node_id="ghost")
    assert response.status_code == 422
    assert response.json()["detail"]["validation_errors"] == ["Target node 'ghost' not found"]


def test_edge_to_a_node_of_another_workflow_is_422(api_client, user, workflow):
    WorkflowNodeFactory(workflow=WorkflowFactory(owner=user), node_id="elsewhere")
    assert post(api_client, source_node_id="chat", target_node_id="elsewhere").status_code == 422


def test_duplicate_edge_is_422(api_client, workflow):
    assert post(api_client, source_node_id="chat", target_node_id="agent").status_code == 201
    response = post(api_client, source_node_id="chat", target_node_id="agent")
    assert response.status_code == 422
    assert "already exists" in response.json()["detail"]["validation_errors"][0]


def test_self_edge_is_422(api_client, workflow):
    assert post(api_client, source_node_id="code", target_node_id="code").status_code == 422


def test_bad_label_or_type_is_422(api_client, workflow):
    assert (
        post(api_client, source_node_id="chat", target_node_id="agent", edge_label="wire").status_code == 422
    )
    assert (
        post(api_client, source_node_id="chat", target_node_id="agent", edge_type="maybe").status_code == 422
    )


def test_patch_updates_and_revalidates(api_client, workflow):
    edge_id = post(
        api_client,
        source_node_id="switch",
        target_node_id="code",
        edge_type="conditional",
        condition_value="a",
    ).json()["id"]
    response = api_client.patch(f"{URL}{edge_id}/", {"condition_value": "billing"}, format="json")
    assert response.status_code == 200 and response.json()["condition_value"] == "billing"
    response = api_client.patch(f"{URL}{edge_id}/", {"condition_value": ""}, format="json")
    assert response.status_code == 422
    response = api_client.patch(f"{URL}{edge_id}/", {"target_node_id": "code2"}, format="json")
    assert response.json()["target_node_id"] == "code2"
    assert WorkflowEdge.objects.get(pk=edge_id).target.node_id == "code2"


def test_patch_into_a_duplicate_is_422(api_client, workflow):
    post(api_client, source_node_id="chat", target_node_id="code")
    edge_id = post(api_client, source_node_id="chat", target_node_id="code2").json()["id"]
    assert api_client.patch(f"{URL}{edge_id}/", {"target_node_id": "code"}, format="json").status_code == 422


def test_delete(api_client, workflow):
    edge_id = post(api_client, source_node_id="chat", target_node_id="agent").json()["id"]
    assert api_client.delete(f"{URL}{edge_id}/").status_code == 204
    assert not WorkflowEdge.objects.exists()


def test_unknown_edge_is_404(api_client, workflow):
    assert api_client.patch(f"{URL}999/", {"priority": 1}, format="json").json() == {
        "detail": "Edge not found."
    }
    assert api_client.delete(f"{URL}999/").status_code == 404


def test_edge_of_another_workflow_is_404_here(api_client, user, workflow):
    other = WorkflowEdgeFactory(source__workflow=WorkflowFactory(owner=user))
    assert api_client.patch(f"{URL}{other.pk}/", {"priority": 1}, format="json").status_code == 404
    assert api_client.delete(f"{URL}{other.pk}/").status_code == 404
    assert WorkflowEdge.objects.filter(pk=other.pk).exists()
