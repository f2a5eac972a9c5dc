"""Date & Time tool (`datetime`): current time, time zones and offsets for agents."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "datetime",
    display_name="Date & Time",
    category=Category.TOOL,
    description="Current date and time in any time zone, with offsets and formatting.",
    outputs=[Port("result", DataType.STRING)],
    config_schema={
        "type": "object",
        "properties": {"timezone": {"type": "string", "default": "UTC", "description": "Default IANA zone"}},
    },
    icon="clock",
    color=TOOL_COLOR,
    executable=True,  # runs when the agent calls it: the canvas shows its status badge
    is_sub_component=True,
)(None)
