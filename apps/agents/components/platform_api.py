"""Platform API (`platform_api`): an agent tool node, attached over a `tool` edge; see apps.agents.tools."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "platform_api",
    display_name="Platform API",
    category=Category.SELF_AWARENESS,
    description="Call this platform's REST API as the agent's own agent user.",
    outputs=[Port("response", DataType.STRING)],
    config_schema={
        "type": "object",
        "properties": {
            "api_base_url": {
                "type": "string",
                "description": "Base URL of this platform's API (default: the PIPELIT_API_BASE_URL setting)",
            }
        },
    },
    icon="plug",
    color=TOOL_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
