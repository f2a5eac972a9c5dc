"""Export -> import round trip, and an import that fails writes nothing."""

import copy

import pytest

from apps.agents.models import LLMCredential
from apps.workflows.models import ComponentConfig, Workflow, WorkflowEdge, WorkflowNode
from tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db


def build(client, slug: str) -> None:
    credential = LLMCredential.objects.create(name="llm", api_key="sk-x")
    client.post("/api/v1/workflows/", {"name": "Source", "slug": slug, "tags": ["t"]}, format="json")
    base = f"/api/v1/workflows/{slug}"
    nodes = [
        {"node_id": "chat", "component_type": "trigger_chat", "config": {"priority": 2}},
        {
            "node_id": "agent",
            "component_type": "agent",
            "config": {"system_prompt": "Be brief."},
            "position_x": 300,
        },
        {
            "node_id": "model",
            "component_type": "ai_model",
            "config": {"credential_id": credential.pk, "model_name": "m1", "temperature": 0.3},
        },
        {
            "node_id": "switch",
            "component_type": "switch",
            "config": {"extra_config": {"rules": [{"id": "a"}]}},
        },
        {"node_id": "code", "component_type": "code", "config": {"code": "result = 1"}},
    ]
    for node in nodes:
        assert client.post(f"{base}/nodes/", node, format="json").status_code == 201
    edges = [
        {"source_node_id": "chat", "target_node_id": "agent"},
        {"source_node_id": "model", "target_node_id": "agent", "edge_label": "llm"},
        {"source_node_id": "agent", "target_node_id": "switch"},
        {
            "source_node_id": "switch",
            "target_node_id": "code",
            "edge_type": "conditional",
            "condition_value": "a",
        },
    ]
    for edge in edges:
        assert client.post(f"{base}/edges/", edge, format="json").status_code == 201


def graph_shape(body: dict) -> dict:
    """A graph compared without database ids, timestamps or the slug."""
    skip_wf = {"id", "slug", "created_at", "updated_at", "nodes", "edges", "owner_id"}
    return {
        "workflow": {k: v for k, v in body.items() if k not in skip_wf},
        "nodes": sorted(
            ({k: v for k, v in n.items() if k not in {"id", "updated_at"}} for n in body["nodes"]),
            key=lambda n: n["node_id"],
        ),
        "edges": sorted(
            ({k: v for k, v in e.items() if k != "id"} for e in body["edges"]),
            key=lambda e: (e["source_node_id"], e["target_node_id"]),
        ),
    }


def test_round_trip_yields_an_equal_graph(api_client):
    build(api_client, "source")
    document = api_client.get("/api/v1/workflows/source/export/").json()
    assert document["format"] == "pipelit.workflow" and len(document["nodes"]) == 5
    response = api_client.post("/api/v1/workflows/import/", {**document, "slug": "copy"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "copy" and response.json()["warnings"] == []
    original = api_client.get("/api/v1/workflows/source/").json()
    copied = api_client.get("/api/v1/workflows/copy/").json()
    assert graph_shape(copied) == graph_shape(original)
    assert copied["nodes"][0]["id"] != original["nodes"][0]["id"]


def test_import_without_a_slug_picks_a_free_one(api_client):
    build(api_client, "source")
    document = api_client.get("/api/v1/workflows/source/export/").json()
    body = api_client.post("/api/v1/workflows/import/", document, format="json").json()
    assert body["slug"].startswith("source-") and body["slug"] != "source"


def test_import_into_a_taken_slug_is_409_and_writes_nothing(api_client):
    build(api_client, "source")
    document = api_client.get("/api/v1/workflows/source/export/").json()
    before = WorkflowNode.objects.count()
    response = api_client.post("/api/v1/workflows/import/", {**document, "slug": "source"}, format="json")
    assert response.status_code == 409
    assert WorkflowNode.objects.count() == before


def test_bad_document_creates_nothing_and_lists_every_reason(api_client):
    build(api_client, "source")
    document = api_client.get("/api/v1/workflows/source/export/").json()
    bad = copy.deepcopy(document)
    bad["nodes"].append({"node_id": "x", "component_type": "teleporter"})
    bad["nodes"].append(copy.deepcopy(bad["nodes"][0]))  # duplicate node_id
    bad["edges"].append({"source_node_id": "code", "target_node_id": "chat"})  # into a trigger
    bad["edges"].append(
        {
            "source_node_id": "code",
            "target_node_id": "agent",
            "edge_type": "conditional",
            "condition_value": "z",
        }
    )
    counts = (
        Workflow.objects.count(),
        WorkflowNode.objects.count(),
        ComponentConfig.objects.count(),
        WorkflowEdge.objects.count(),
    )
    response = api_client.post("/api/v1/workflows/import/", {**bad, "slug": "broken"}, format="json")
    assert response.status_code == 422
    errors = response.json()["detail"]["validation_errors"]
    assert any("teleporter" in e for e in errors)
    assert any("appears twice" in e for e in errors)
    assert any("no input ports" in e for e in errors)
    assert any("only originate from 'switch'" in e for e in errors)
    assert counts == (
        Workflow.objects.count(),
        WorkflowNode.objects.count(),
        ComponentConfig.objects.count(),
        WorkflowEdge.objects.count(),
    )


def test_import_of_a_non_document_is_422(api_client):
    assert api_client.post("/api/v1/workflows/import/", {"nodes": "x"}, format="json").status_code == 422


def test_missing_credential_is_dropped_with_a_warning(api_client):
    build(api_client, "source")
    document = api_client.get("/api/v1/workflows/source/export/").json()
    LLMCredential.objects.all().delete()
    body = api_client.post("/api/v1/workflows/import/", {**document, "slug": "moved"}, format="json").json()
    assert any("credential" in w for w in body["warnings"])
    model = next(n for n in body["nodes"] if n["node_id"] == "model")
    assert model["config"]["credential_id"] is None and model["config"]["model_name"] == "m1"


def test_export_of_someone_elses_workflow_is_404(api_client):
    other = WorkflowFactory()
    assert api_client.get(f"/api/v1/workflows/{other.slug}/export/").status_code == 404


def test_imported_configs_are_real_polymorphic_rows(api_client):
    from apps.workflows.models import AIConfig, CodeConfig, ModelConfig, TriggerConfig

    build(api_client, "source")
    document = api_client.get("/api/v1/workflows/source/export/").json()
    api_client.post("/api/v1/workflows/import/", {**document, "slug": "copy"}, format="json")
    configs = {c.node.node_id: c for c in ComponentConfig.objects.filter(node__workflow__slug="copy")}
    assert type(configs["agent"]) is AIConfig and configs["agent"].system_prompt == "Be brief."
    assert type(configs["model"]) is ModelConfig and configs["model"].temperature == 0.3
    assert type(configs["chat"]) is TriggerConfig and configs["chat"].priority == 2
    assert type(configs["code"]) is CodeConfig and configs["code"].code == "result = 1"
    assert type(configs["switch"]) is ComponentConfig and configs["switch"].extra_config == {
        "rules": [{"id": "a"}]
    }
    # and they behave like any other row: editing through the API works
    response = api_client.patch(
        "/api/v1/workflows/copy/nodes/agent/", {"config": {"system_prompt": "Edited."}}, format="json"
    )
    assert response.json()["config"]["system_prompt"] == "Edited."
