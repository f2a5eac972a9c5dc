"""workflow_create / workflow_discover tools: act as the workflow owner, inherit from their agent."""

import json
from types import SimpleNamespace

import pytest

from apps.agents.tools.workflow_tools import workflow_create_tools, workflow_discover_tools
from apps.workflows.models import Workflow
from tests.execution.builders import build_workflow
from tests.factories import LLMCredentialFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(user):
    credential = LLMCredentialFactory()
    workflow = build_workflow(
        owner=user,
        slug="architect",
        nodes={
            "chat": {"component_type": "trigger_chat"},
            "boss": {"component_type": "agent"},
            "m": {
                "component_type": "ai_model",
                "config": {"credential_id": credential.pk, "model_name": "gpt-4o-mini"},
            },
            "wc": {"component_type": "workflow_create"},
            "wd": {"component_type": "workflow_discover"},
        },
        edges=[
            ("chat", "boss"),
            ("m", "boss", {"edge_label": "llm"}),
            ("wc", "boss", {"edge_label": "tool"}),
            ("wd", "boss", {"edge_label": "tool"}),
        ],
    )
    return SimpleNamespace(workflow=workflow, owner=user, agent_node_id="boss", credential=credential)


def call(tools, **args):
    (tool,) = tools
    return json.loads(tool.invoke(args))


def test_workflow_create_builds_as_the_owner_inheriting_the_agents_model(home):
    dsl = "name: Weather Bot\ntrigger: chat\nmodel: inherit\nsteps:\n  - {id: bot, type: agent, prompt: Weather.}\n"
    result = call(workflow_create_tools(home), dsl=dsl, tags="weather, bots")
    assert result["success"] is True
    assert (result["slug"], result["node_count"], result["edge_count"]) == ("weather-bot", 3, 2)
    created = Workflow.objects.get(pk=result["workflow_id"])
    assert created.owner == home.owner and created.tags == ["weather", "bots"]
    model = created.nodes.get(node_id="bot_model").config
    assert (model.credential_id, model.model_name) == (home.credential.pk, "gpt-4o-mini")


def test_workflow_create_returns_every_error_to_the_model_and_creates_nothing(home):
    count = Workflow.objects.count()
    result = call(workflow_create_tools(home), dsl="steps:\n  - {type: teleport}\n  - {id: b, type: code}\n")
    assert result["success"] is False
    assert [e["path"] for e in result["errors"]] == ["steps[0].type", "steps[1].snippet"]
    assert Workflow.objects.count() == count


def test_workflow_create_refuses_without_an_owner(home):
    class NoOwner(SimpleNamespace):
        @property
        def owner(self):
            raise RuntimeError("workflow 'x' not found; this tool needs a saved workflow")

    result = call(workflow_create_tools(NoOwner(workflow=None, agent_node_id="boss")), dsl="steps: []")
    assert result == {"success": False, "error": "workflow 'x' not found; this tool needs a saved workflow"}


def test_workflow_discover_scores_other_workflows_and_skips_its_own(home):
    build_workflow(
        owner=home.owner,
        slug="hook-flow",
        nodes={
            "h": {"component_type": "trigger_webhook"},
            "c": {"component_type": "code", "config": {"code": "1"}},
        },
        edges=[("h", "c")],
    )
    build_workflow(
        owner=UserFactory(),
        slug="someone-elses",
        nodes={"h": {"component_type": "trigger_webhook"}},
        edges=[],
    )
    result = call(
        workflow_discover_tools(home), requirements='{"trigger": "webhook", "node_types": ["code"]}'
    )
    assert result["total_searched"] == 1
    (match,) = result["matches"]
    assert (match["slug"], match["has"], match["missing"]) == ("hook-flow", ["webhook", "code"], [])
    # a full capability match with no run record yet: 0.9 * 1.0 + 0.1 * 0.5 (neutral reliability)
    assert (match["match_score"], match["recommendation"]) == (0.95, "reuse")


def test_workflow_discover_rejects_requirements_that_are_not_a_json_object(home):
    assert (
        call(workflow_discover_tools(home), requirements="[1]")["error"]
        == "requirements must be a JSON object"
    )
    assert call(workflow_discover_tools(home), requirements="{oops")["error"].startswith(
        "requirements must be a JSON object:"
    )
