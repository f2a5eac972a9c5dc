"""System Health (`system_health`): an agent tool node, attached over a `tool` edge; see apps.agents.tools."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "system_health",
    display_name="System Health",
    category=Category.SELF_AWARENESS,
    description="Check Redis, workers, queue, stuck/failed executions and schedules.",
    outputs=[Port("result", DataType.STRING)],
    icon="activity",
    color=TOOL_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
