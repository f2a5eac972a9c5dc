"""Task Tools (`task_tools`): an agent tool node, attached over a `tool` edge; see apps.agents.tools."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "task_tools",
    display_name="Task Tools",
    category=Category.SELF_AWARENESS,
    description="create_task (with depends_on), list_tasks, update_task, cancel_task in epics.",
    outputs=[Port("result", DataType.STRING)],
    icon="list-checks",
    color=TOOL_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
