"""Calculator tool: exact arithmetic for agents (attached over a `tool` edge)."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "calculator",
    display_name="Calculator",
    category=Category.TOOL,
    description="Evaluate arithmetic expressions safely (no eval).",
    outputs=[Port("result", DataType.STRING)],
    icon="calculator",
    color=TOOL_COLOR,
    executable=True,  # runs when the agent calls it: the canvas shows its status badge
    is_sub_component=True,
)(None)
