"""REST: validate-dsl (dry run), from-dsl (create), export-dsl; errors as 422 with every path."""

import pytest

from apps.workflows.models import Workflow
from tests.conftest import client_for
from tests.execution.builders import build_workflow, code_chain
from tests.factories import LLMCredentialFactory, UserFactory

pytestmark = pytest.mark.django_db

DSL = """
name: Greeter
tags: [demo]
trigger: webhook
steps:
  - {id: greet, type: code, snippet: "return 'hi'"}
  - {id: shout, type: code, snippet: "return input.upper()"}
"""


def test_validate_dsl_previews_the_graph_and_writes_nothing(api_client):
    response = api_client.post("/api/v1/workflows/validate-dsl/", {"dsl": DSL}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["valid"] is True and (body["node_count"], body["edge_count"]) == (3, 2)
    assert [n["node_id"] for n in body["nodes"]] == ["trigger_webhook_1", "greet", "shout"]
    assert Workflow.objects.count() == 0


def test_from_dsl_creates_the_workflow_with_extra_tags(api_client):
    response = api_client.post("/api/v1/workflows/from-dsl/", {"dsl": DSL, "tags": ["api"]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["slug"], body["tags"], body["node_count"], body["edge_count"]) == (
        "greeter",
        ["demo", "api"],
        3,
        2,
    )
    assert Workflow.objects.get(slug="greeter").owner == api_client.user


@pytest.mark.parametrize("url", ["/api/v1/workflows/validate-dsl/", "/api/v1/workflows/from-dsl/"])
def test_bad_dsl_is_a_422_listing_every_problem_with_its_path(api_client, url):
    bad = "steps:\n  - {id: a, type: nope}\n  - {id: b, type: code}\n"
    response = api_client.post(url, {"dsl": bad}, format="json")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [e["path"] for e in detail["errors"]] == ["steps[0].type", "steps[1].snippet"]
    assert detail["validation_errors"][1] == "steps[1].snippet: Required for a 'code' step."
    assert Workflow.objects.count() == 0


def test_missing_dsl_field_and_anonymous_callers(api_client, anon_client):
    assert api_client.post("/api/v1/workflows/from-dsl/", {}, format="json").status_code == 422
    assert anon_client.post("/api/v1/workflows/from-dsl/", {"dsl": DSL}, format="json").status_code in (
        401,
        403,
    )
    assert anon_client.get("/api/v1/workflows/x/export-dsl/").status_code in (401, 403)


def test_inherit_over_rest_names_a_parent_agent_the_caller_can_read(api_client, user):
    credential = LLMCredentialFactory()
    build_workflow(
        owner=user,
        slug="boss-flow",
        nodes={
            "boss": {"component_type": "agent"},
            "m": {
                "component_type": "ai_model",
                "config": {"credential_id": credential.pk, "model_name": "mm"},
            },
        },
        edges=[("m", "boss", {"edge_label": "llm"})],
    )
    dsl = "steps:\n  - {id: a, type: agent, prompt: hi, model: inherit}\n"
    body = {"dsl": dsl, "parent_workflow": "boss-flow", "parent_node": "boss"}
    response = api_client.post("/api/v1/workflows/validate-dsl/", body, format="json")
    assert response.status_code == 200, response.content
    model = next(n for n in response.json()["nodes"] if n["node_id"] == "a_model")
    assert model["config"]["model_name"] == "mm"
    stranger = client_for(UserFactory())
    assert stranger.post("/api/v1/workflows/validate-dsl/", body, format="json").status_code == 404


def test_export_dsl_returns_yaml_that_from_dsl_compiles_back(api_client, user):
    code_chain(owner=user, count=3, slug="chain")
    exported = api_client.get("/api/v1/workflows/chain/export-dsl/")
    assert exported.status_code == 200
    assert "snippet: result = 1" in exported.json()["dsl"]
    created = api_client.post("/api/v1/workflows/from-dsl/", {"dsl": exported.json()["dsl"]}, format="json")
    assert created.status_code == 201 and created.json()["node_count"] == 4
    assert client_for(UserFactory()).get("/api/v1/workflows/chain/export-dsl/").status_code == 404


def test_from_dsl_is_a_reserved_slug(api_client):
    response = api_client.post("/api/v1/workflows/", {"name": "x", "slug": "from-dsl"}, format="json")
    assert response.status_code == 422
