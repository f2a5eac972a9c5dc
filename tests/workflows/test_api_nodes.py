"""REST: nodes nested under a workflow — list/create/patch/delete, configs by kind, scoping."""

import pytest

from apps.agents.models import LLMCredential
from apps.workflows.models import AIConfig, CodeConfig, ComponentConfig, TriggerConfig, WorkflowEdge
from tests.factories import WorkflowEdgeFactory, WorkflowFactory, WorkflowNodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow(user):
    return WorkflowFactory(owner=user, slug="flow")


URL = "/api/v1/workflows/flow/nodes/"


def test_list_is_a_flat_array_with_configs(api_client, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="t", component_type="trigger_chat")
    WorkflowNodeFactory(
        workflow=workflow, node_id="a", component_type="agent", config={"system_prompt": "hi"}
    )
    body = api_client.get(URL).json()
    assert isinstance(body, list)
    assert [n["node_id"] for n in body] == ["t", "a"]
    assert body[0]["config"] == {
        "extra_config": {},
        "credential_id": None,
        "is_active": True,
        "priority": 0,
        "trigger_config": {},
    }
    assert body[1]["config"] == {"extra_config": {}, "system_prompt": "hi"}


def test_create_with_node_id_and_config(api_client, workflow):
    response = api_client.post(
        URL,
        {
            "node_id": "agent_abc123",
            "component_type": "agent",
            "position_x": 400,
            "position_y": 200,
            "config": {"system_prompt": "You are helpful."},
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["node_id"] == "agent_abc123"
    assert body["position_x"] == 400 and body["position_y"] == 200
    assert body["config"]["system_prompt"] == "You are helpful."
    assert isinstance(ComponentConfig.objects.get(node__node_id="agent_abc123"), AIConfig)


def test_create_without_node_id_generates_one(api_client, workflow):
    body = api_client.post(URL, {"component_type": "trigger_manual"}, format="json").json()
    prefix, _, short = body["node_id"].rpartition("_")
    assert prefix == "trigger_manual" and len(short) == 6
    assert body["config"]["is_active"] is True
    assert isinstance(ComponentConfig.objects.get(node__node_id=body["node_id"]), TriggerConfig)


def test_duplicate_node_id_is_409(api_client, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="dup")
    response = api_client.post(URL, {"node_id": "dup", "component_type": "code"}, format="json")
    assert response.status_code == 409


def test_same_node_id_in_another_workflow_is_fine(api_client, workflow):
    WorkflowNodeFactory(node_id="same")
    assert (
        api_client.post(URL, {"node_id": "same", "component_type": "code"}, format="json").status_code == 201
    )


def test_unknown_component_type_is_422(api_client, workflow):
    response = api_client.post(URL, {"component_type": "teleporter"}, format="json")
    assert response.status_code == 422
    assert "Unknown component type" in response.json()["detail"][0]["msg"]


def test_config_field_of_another_kind_is_422_unless_default(api_client, workflow):
    bad = api_client.post(URL, {"component_type": "code", "config": {"system_prompt": "x"}}, format="json")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "config", "system_prompt"]
    # A client written for the reference sends every key with its default: accepted.
    ok = api_client.post(
        URL,
        {
            "component_type": "code",
            "config": {"system_prompt": "", "temperature": None, "code": "result = 1"},
        },
        format="json",
    )
    assert ok.status_code == 201
    assert ok.json()["config"]["code"] == "result = 1"


def test_unknown_config_key_is_422(api_client, workflow):
    response = api_client.post(URL, {"component_type": "code", "config": {"bogus": 1}}, format="json")
    assert response.status_code == 422


def test_code_in_extra_config_is_lifted_into_its_column(api_client, workflow):
    body = api_client.post(
        URL,
        {"component_type": "code", "config": {"extra_config": {"code": "result = 2", "x": 1}}},
        format="json",
    ).json()
    assert body["config"]["code"] == "result = 2"
    assert body["config"]["extra_config"] == {"x": 1}
    assert CodeConfig.objects.get().code == "result = 2"


def test_extra_config_is_checked_against_the_type_schema(api_client, workflow):
    response = api_client.post(
        URL, {"component_type": "switch", "config": {"extra_config": {"rules": "not a list"}}}, format="json"
    )
    assert response.status_code == 422
    assert "rules" in response.json()["detail"][0]["msg"]
    # `required` is not enforced on a freshly dropped node.
    assert api_client.post(URL, {"component_type": "switch"}, format="json").status_code == 201


def test_an_expression_passes_the_schema_and_is_checked_when_it_runs(api_client, workflow):
    templated = {"method": "{{ trigger.method }}", "timeout": "{{ trigger.timeout }}"}
    response = api_client.post(
        URL, {"component_type": "http_request", "config": {"extra_config": templated}}, format="json"
    )
    assert response.status_code == 201, response.json()
    wrong = api_client.post(
        URL,
        {"component_type": "http_request", "config": {"extra_config": {"method": "FETCH"}}},
        format="json",
    )
    assert wrong.status_code == 422 and "method" in wrong.json()["detail"][0]["msg"]


def test_model_config_takes_the_reference_credential_name(api_client, workflow):
    credential = LLMCredential.objects.create(name="local", api_key="sk-secret")
    body = api_client.post(
        URL,
        {
            "component_type": "ai_model",
            "config": {"llm_credential_id": credential.pk, "model_name": "m", "temperature": 0.2},
        },
        format="json",
    ).json()
    assert body["config"]["credential_id"] == credential.pk
    assert body["config"]["llm_credential_id"] == credential.pk
    assert body["config"]["temperature"] == 0.2
    assert "sk-secret" not in str(body)


def test_missing_credential_is_422(api_client, workflow):
    response = api_client.post(
        URL, {"component_type": "ai_model", "config": {"credential_id": 999}}, format="json"
    )
    assert response.status_code == 422


def test_out_of_range_temperature_is_422(api_client, workflow):
    response = api_client.post(
        URL, {"component_type": "ai_model", "config": {"temperature": 9}}, format="json"
    )
    assert response.status_code == 422


def test_patch_moves_and_reconfigures(api_client, workflow):
    WorkflowNodeFactory(
        workflow=workflow, node_id="a", component_type="agent", config={"system_prompt": "old"}
    )
    response = api_client.patch(
        f"{URL}a/", {"position_x": 500, "config": {"system_prompt": "new"}}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["position_x"] == 500 and body["config"]["system_prompt"] == "new"
    assert AIConfig.objects.get().system_prompt == "new"


def test_patch_position_keeps_config(api_client, workflow):
    WorkflowNodeFactory(
        workflow=workflow, node_id="a", component_type="agent", config={"system_prompt": "keep"}
    )
    body = api_client.patch(f"{URL}a/", {"position_y": 7}, format="json").json()
    assert body["config"]["system_prompt"] == "keep"


def test_patch_rename_keeps_edges(api_client, workflow):
    edge = WorkflowEdgeFactory(source__workflow=workflow, source__node_id="old")
    response = api_client.patch(f"{URL}old/", {"node_id": "new"}, format="json")
    assert response.status_code == 200
    edges = api_client.get("/api/v1/workflows/flow/edges/").json()
    assert edges[0]["id"] == edge.pk and edges[0]["source_node_id"] == "new"


def test_patch_rename_to_existing_id_is_409(api_client, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="a")
    WorkflowNodeFactory(workflow=workflow, node_id="b")
    assert api_client.patch(f"{URL}a/", {"node_id": "b"}, format="json").status_code == 409


def test_patch_component_type_to_another_kind_swaps_the_config(api_client, workflow):
    WorkflowNodeFactory(
        workflow=workflow, node_id="n", component_type="code", config={"extra_config": {"k": 1}}
    )
    body = api_client.patch(f"{URL}n/", {"component_type": "agent"}, format="json").json()
    assert body["config"] == {"extra_config": {"k": 1}, "system_prompt": ""}
    assert ComponentConfig.objects.count() == 1


def test_unknown_node_is_404(api_client, workflow):
    assert api_client.patch(f"{URL}ghost/", {"label": "x"}, format="json").json() == {
        "detail": "Node not found."
    }
    assert api_client.delete(f"{URL}ghost/").status_code == 404


def test_node_of_another_workflow_is_404_here(api_client, user, workflow):
    other = WorkflowFactory(owner=user)
    WorkflowNodeFactory(workflow=other, node_id="theirs")
    assert api_client.patch(f"{URL}theirs/", {"label": "x"}, format="json").status_code == 404
    assert api_client.delete(f"{URL}theirs/").status_code == 404


def test_delete_removes_the_node_its_config_and_its_edges(api_client, workflow):
    middle = WorkflowNodeFactory(workflow=workflow, node_id="m")
    WorkflowEdgeFactory(source__workflow=workflow, target=middle)
    WorkflowEdgeFactory(source=middle)
    keep = WorkflowEdgeFactory(source__workflow=workflow)
    assert api_client.delete(f"{URL}m/").status_code == 204
    assert list(WorkflowEdge.objects.values_list("pk", flat=True)) == [keep.pk]
    assert not ComponentConfig.objects.filter(node__node_id="m").exists()
    assert ComponentConfig.objects.count() == 4  # the other endpoints keep theirs


def test_node_changes_bump_the_workflow_updated_at(api_client, workflow):
    before = workflow.updated_at
    api_client.post(URL, {"component_type": "code"}, format="json")
    workflow.refresh_from_db()
    assert workflow.updated_at > before


def test_subworkflow_must_be_visible_to_the_editor(api_client, user, workflow):
    mine, public, private = WorkflowFactory(owner=user), WorkflowFactory(is_public=True), WorkflowFactory()
    for target, status in [(mine, 201), (public, 201), (private, 422)]:
        response = api_client.post(
            URL, {"component_type": "workflow", "subworkflow_id": target.pk}, format="json"
        )
        assert response.status_code == status, target
    node_id = api_client.get(URL).json()[0]["node_id"]
    assert api_client.get(URL).json()[0]["subworkflow_id"] == mine.pk
    response = api_client.patch(f"{URL}{node_id}/", {"subworkflow_id": private.pk}, format="json")
    assert response.status_code == 422
