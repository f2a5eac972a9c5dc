"""Scheduler Tools (`scheduler_tools`): an agent tool node, attached over a `tool` edge; see apps.agents.tools."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "scheduler_tools",
    display_name="Scheduler Tools",
    category=Category.SELF_AWARENESS,
    description="create/pause/resume/stop/list recurring schedules of workflows.",
    outputs=[Port("result", DataType.STRING)],
    icon="calendar-clock",
    color=TOOL_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
