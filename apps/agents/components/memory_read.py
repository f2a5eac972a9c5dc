"""Memory Read (`memory_read`): an agent tool node, attached over a `memory` edge; see apps.agents.tools."""

from apps.agents.components._common import MEMORY_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "memory_read",
    display_name="Memory Read",
    category=Category.MEMORY,
    description="Recall facts, episodes and procedures from global memory (the `recall` tool).",
    outputs=[Port("result", DataType.STRING)],
    config_schema={
        "type": "object",
        "properties": {
            "memory_type": {
                "type": "string",
                "enum": ["facts", "episodes", "procedures", "all"],
                "default": "facts",
            },
            "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
            "min_confidence": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5},
        },
    },
    icon="brain",
    color=MEMORY_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
