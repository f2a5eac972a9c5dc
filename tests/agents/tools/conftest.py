"""Context-aware agent tools are tested on real rows: a saved workflow, an execution, its owner."""

import json

import pytest

from apps.agents.tools.context import ToolContext
from tests.agents.components.conftest import credential, events, run_ai  # noqa: F401
from tests.execution.builders import build_workflow
from tests.factories import UserFactory, WorkflowExecutionFactory


@pytest.fixture
def owner(db):
    return UserFactory(username="tool-owner")


@pytest.fixture
def workflow(owner):
    return build_workflow(
        owner=owner,
        slug="tools-flow",
        nodes={
            "chat": {"component_type": "trigger_chat"},
            "agent": {"component_type": "agent", "config": {"system_prompt": "You plan work."}},
            "kit": {"component_type": "epic_tools"},
        },
        edges=[("chat", "agent"), ("kit", "agent", {"edge_label": "tool"})],
    )


@pytest.fixture
def execution(workflow):
    return WorkflowExecutionFactory(workflow=workflow, status="running")


@pytest.fixture
def tool_context(workflow, execution):
    return ToolContext(
        execution_id=str(execution.execution_id),
        workflow_slug=workflow.slug,
        agent_node_id="agent",
        tool_node_id="kit",
    )


@pytest.fixture
def call():
    """call(tools, name, **args) -> the tool's JSON answer, parsed."""

    def invoke(tools, tool_name, /, **args):
        by_name = {tool.name: tool for tool in tools}
        return json.loads(by_name[tool_name].invoke(args))

    return invoke
