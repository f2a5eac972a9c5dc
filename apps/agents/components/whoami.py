"""WhoAmI (`whoami`): an agent tool node, attached over a `tool` edge; see apps.agents.tools."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "whoami",
    display_name="WhoAmI",
    category=Category.SELF_AWARENESS,
    description="The agent's identity: workflow, node, execution, acting user, current config.",
    outputs=[Port("identity", DataType.STRING)],
    icon="fingerprint",
    color=TOOL_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
