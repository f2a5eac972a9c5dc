"""Create Agent User (`create_agent_user`): an agent tool node, attached over a `tool` edge; see apps.agents.tools."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "create_agent_user",
    display_name="Create Agent User",
    category=Category.SELF_AWARENESS,
    description="Provision (or fetch) API credentials for this agent's own agent user.",
    outputs=[Port("credentials", DataType.STRING)],
    config_schema={
        "type": "object",
        "properties": {
            "api_base_url": {
                "type": "string",
                "description": "Base URL reported with the credentials (default: PIPELIT_API_BASE_URL)",
            }
        },
    },
    icon="user-plus",
    color=TOOL_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
