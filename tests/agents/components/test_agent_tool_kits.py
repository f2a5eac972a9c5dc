"""The agent binds tool kits to its execution: tools act as the workflow owner, memory edges add tools."""

import json

import pytest

from apps.agents.models import Epic, MemoryFact
from apps.agents.resolution import resolve_sub_component
from apps.execution.snapshots import graph_snapshot
from tests.execution.builders import build_workflow
from tests.execution.helpers import run_snapshot
from tests.factories import UserFactory, WorkflowExecutionFactory


@pytest.fixture
def planner(credential):
    owner = UserFactory(username="planner-owner")
    return build_workflow(
        owner=owner,
        slug="planner",
        nodes={
            "chat": {"component_type": "trigger_chat"},
            "agent": {"component_type": "agent", "config": {"system_prompt": "Plan."}},
            "model": {
                "component_type": "ai_model",
                "config": {"credential_id": credential.pk, "model_name": "gpt-4o-mini", "max_retries": 0},
            },
            "epics": {"component_type": "epic_tools"},
            "notes": {"component_type": "memory_write"},
        },
        edges=[
            ("chat", "agent"),
            ("model", "agent", {"edge_label": "llm"}),
            ("epics", "agent", {"edge_label": "tool"}),
            ("notes", "agent", {"edge_label": "memory"}),
        ],
    )


def test_agent_offers_kit_and_memory_tools_and_they_act_for_the_workflow_owner(planner, fake_openai):
    execution = WorkflowExecutionFactory(workflow=planner, status="running")
    fake_openai.tool_calls(
        [
            {"name": "create_epic", "arguments": {"title": "Launch", "tags": "web"}},
            {"name": "remember", "arguments": {"key": "launch_owner", "value": "planner-owner"}},
        ]
    )
    fake_openai.reply("Planned.")
    outcome = run_snapshot(
        graph_snapshot(workflow=planner),
        {"text": "plan the launch"},
        execution_id=str(execution.execution_id),
        sub_component_resolver=resolve_sub_component,
    )
    assert outcome.status == "completed", outcome.error
    offered = {tool["function"]["name"] for tool in fake_openai.chat_requests[0].body["tools"]}
    assert offered == {"create_epic", "epic_status", "update_epic", "search_epics", "remember"}
    epic = Epic.objects.get()
    assert epic.user == planner.owner and epic.workflow == planner and epic.created_by_node_id == "agent"
    assert MemoryFact.objects.get(key="launch_owner").value == "planner-owner"
    tool_answers = [m for m in fake_openai.chat_requests[1].body["messages"] if m["role"] == "tool"]
    assert json.loads(tool_answers[0]["content"])["epic_id"] == epic.pk
