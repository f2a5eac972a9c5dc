"""Get TOTP Code (`get_totp_code`): an agent tool node, attached over a `tool` edge; see apps.agents.tools."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "get_totp_code",
    display_name="Get TOTP Code",
    category=Category.SELF_AWARENESS,
    description="The current TOTP code of the agent's own agent user.",
    outputs=[Port("totp_code", DataType.STRING)],
    icon="key-round",
    color=TOOL_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
