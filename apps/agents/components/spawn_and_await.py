"""Spawn & Await (`spawn_and_await`): an agent tool node that delegates to a child workflow and waits
for its result without holding a worker; see apps.agents.tools.spawn_tools and apps.agents.durable_agent."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "spawn_and_await",
    display_name="Spawn & Await",
    category=Category.SELF_AWARENESS,
    description="Run another workflow as a child execution; the agent pauses (no worker held) and "
    "continues with the child's result.",
    outputs=[Port("result", DataType.STRING, description="The child's final output as JSON, or its error")],
    icon="git-fork",
    color=TOOL_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
