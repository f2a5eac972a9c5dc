"""Memory Write (`memory_write`): an agent tool node, attached over a `memory` edge; see apps.agents.tools."""

from apps.agents.components._common import MEMORY_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "memory_write",
    display_name="Memory Write",
    category=Category.MEMORY,
    description="Store facts in global memory (the `remember` tool).",
    outputs=[Port("result", DataType.STRING)],
    config_schema={
        "type": "object",
        "properties": {
            "fact_type": {
                "type": "string",
                "enum": [
                    "user_preference",
                    "world_knowledge",
                    "self_knowledge",
                    "correction",
                    "relationship",
                ],
                "default": "world_knowledge",
            },
            "overwrite": {"type": "boolean", "default": True},
        },
    },
    icon="brain",
    color=MEMORY_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
