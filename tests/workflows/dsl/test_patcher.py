"""Fork mode: clone `based_on`, rename, apply every patch action in order; the source never changes."""

import pytest

from apps.workflows.dsl.errors import DslInvalid
from apps.workflows.dsl.service import workflow_create_from_dsl
from apps.workflows.models import Workflow
from tests.execution.builders import build_workflow
from tests.factories import LLMCredentialFactory, UserFactory
from tests.workflows.dsl.helpers import edge_set, graph_of, node_types

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(db):
    return LLMCredentialFactory()


@pytest.fixture
def source(user, credential):
    """webhook -> code_1 -> old_logger -> agent_1 (model, calculator)."""
    return build_workflow(
        owner=user,
        slug="moltbook-verify",
        name="Moltbook verify",
        tags=["webhook"],
        nodes={
            "hook": {"component_type": "trigger_webhook"},
            "code_1": {"component_type": "code", "config": {"code": "return 1"}},
            "old_logger": {"component_type": "code", "config": {"code": "print('x')"}},
            "agent_1": {"component_type": "agent", "config": {"system_prompt": "old"}},
            "agent_1_model": {
                "component_type": "ai_model",
                "config": {"credential_id": credential.pk, "model_name": "gpt-4o"},
            },
            "agent_1_calc": {"component_type": "calculator"},
        },
        edges=[
            ("hook", "code_1"),
            ("code_1", "old_logger"),
            ("old_logger", "agent_1"),
            ("agent_1_model", "agent_1", {"edge_label": "llm"}),
            ("agent_1_calc", "agent_1", {"edge_label": "tool"}),
        ],
    )


def fork(user, text, **kwargs):
    workflow, _warnings = workflow_create_from_dsl(owner=user, text=text, **kwargs)
    return workflow


def test_reference_fork_example_applies_all_four_patches_and_leaves_the_source_alone(user, source):
    before = graph_of(source)
    workflow = fork(
        user,
        """
based_on: "moltbook-verify"
name: "ServiceX Webhook Verification"
description: "Adapted from moltbook-verify for ServiceX"
tags: ["webhook", "verification", "servicex"]
patches:
  - action: update_prompt
    step_id: "code_1"
    snippet: |
      return {"token": payload["sx_token"], "status": "ok"}
  - action: add_step
    after: "code_1"
    step:
      id: notify
      type: http
      url: "https://servicex.com/api/confirm"
      method: POST
      body: '{"verified": true}'
  - action: add_tool
    agent_id: "agent_1"
    tool:
      type: web_search
      config:
        searxng_url: "http://localhost:8080"
  - action: remove_step
    step_id: "old_logger"
""",
    )
    assert (workflow.name, workflow.slug) == (
        "ServiceX Webhook Verification",
        "servicex-webhook-verification",
    )
    assert workflow.tags == ["webhook", "verification", "servicex"]
    assert graph_of(source) == before
    nodes = graph_of(workflow)["nodes"]
    assert nodes["code_1"]["config"]["code"].startswith('return {"token"')
    assert nodes["notify"]["config"]["extra_config"]["method"] == "POST"
    assert "old_logger" not in nodes
    assert {e for e in edge_set(workflow) if e[3] == ""} == {
        ("hook", "code_1", "direct", "", ""),
        ("code_1", "notify", "direct", "", ""),
        ("notify", "agent_1", "direct", "", ""),  # old_logger removed: its neighbours reconnected
    }
    tools = {node_types(workflow)[s] for s, t, _ty, label, _c in edge_set(workflow) if label == "tool"}
    assert tools == {"calculator", "web_search"}


def test_remove_tool_update_model_update_config_and_prompt(user, source, credential):
    other = LLMCredentialFactory()
    workflow = fork(
        user,
        f"""
based_on: moltbook-verify
patches:
  - {{action: remove_tool, agent_id: agent_1, tool_type: calculator}}
  - {{action: update_model, step_id: agent_1, model: {{credential_id: {other.pk}, model_name: small, temperature: 0.1}}}}
  - {{action: update_config, step_id: agent_1, config: {{conversation_memory: true, max_iterations: 3}}}}
  - {{type: update_prompt, step: agent_1, prompt: "You are a technical support agent."}}
""",
    )
    assert workflow.name == "Moltbook verify (fork)"
    nodes = graph_of(workflow)["nodes"]
    assert "agent_1_calc" not in nodes
    assert [n for n in nodes.values() if n["component_type"] == "ai_model"] == [nodes["agent_1_model"]]
    model = nodes["agent_1_model"]["config"]
    assert (model["credential_id"], model["model_name"], model["temperature"]) == (other.pk, "small", 0.1)
    agent = nodes["agent_1"]["config"]
    assert agent["system_prompt"] == "You are a technical support agent."
    assert agent["extra_config"] == {"conversation_memory": True, "max_iterations": 3}


def test_update_trigger_swaps_the_trigger_and_keeps_where_it_leads(user, source):
    workflow = fork(
        user,
        "based_on: moltbook-verify\npatches:\n  - {action: update_trigger, trigger: {type: chat, id: chat}}\n",
    )
    types = node_types(workflow)
    assert "hook" not in types and types["chat"] == "trigger_chat"
    assert ("chat", "code_1", "direct", "", "") in edge_set(workflow)


def test_patch_errors_are_precise_and_nothing_is_written(user, source):
    count = Workflow.objects.count()
    with pytest.raises(DslInvalid) as caught:
        fork(
            user,
            """
based_on: moltbook-verify
patches:
  - {action: explode}
  - {action: update_prompt, step_id: ghost, prompt: x}
  - {action: update_prompt, step_id: hook, prompt: x}
  - {action: remove_tool, agent_id: agent_1, tool_type: web_search}
  - {action: add_tool, agent_id: code_1, tool: calculator}
  - {action: add_step, after: code_1, step: {id: code_1, type: code, snippet: y}}
""",
        )
    problems = {p.path: p.message for p in caught.value.problems}
    assert problems["patches[0].action"].startswith("Unknown patch action 'explode'")
    assert problems["patches[1].step_id"] == "No step 'ghost' in the workflow."
    assert problems["patches[2].prompt"] == "Step 'hook' is a 'trigger_webhook' node; it has no prompt."
    assert problems["patches[3].tool_type"] == "Agent 'agent_1' has no 'web_search' tool."
    assert problems["patches[4]"] == "Step 'code_1' is a 'code' node; it takes no tools."
    assert problems["patches[5].step.id"].startswith("Duplicate id 'code_1'")
    assert Workflow.objects.count() == count


def test_based_on_a_workflow_the_user_cannot_see_is_not_found(source):
    stranger = UserFactory()
    with pytest.raises(DslInvalid) as caught:
        fork(stranger, "based_on: moltbook-verify\npatches: []\n")
    assert str(caught.value.problems[0]) == "based_on: Workflow 'moltbook-verify' not found."
