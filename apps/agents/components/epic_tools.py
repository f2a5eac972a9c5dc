"""Epic Tools (`epic_tools`): an agent tool node, attached over a `tool` edge; see apps.agents.tools."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "epic_tools",
    display_name="Epic Tools",
    category=Category.SELF_AWARENESS,
    description="create_epic, epic_status, update_epic, search_epics — acting as the workflow owner.",
    outputs=[Port("result", DataType.STRING)],
    icon="folder-kanban",
    color=TOOL_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
