"""Code Execute: Python or Bash written by the agent's model, run in the sandbox's workspace."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "code_execute",
    display_name="Code Execute",
    category=Category.SUB_COMPONENT,
    description="Let an agent run Python or Bash code in the sandboxed, per-workflow workspace.",
    outputs=[Port("result", DataType.STRING, description="stdout, stderr, exit code and parsed result")],
    config_schema={
        "type": "object",
        "properties": {
            "language": {"type": "string", "enum": ["python", "bash"], "default": "python"},
            "timeout_seconds": {"type": "integer", "minimum": 1, "maximum": 300, "default": 30},
            "sandbox": {
                "type": "boolean",
                "default": True,
                "description": "Also refuse code matching the blocklist (imports of os/subprocess, rm -rf /, ...)",
            },
        },
    },
    icon="code",
    color=TOOL_COLOR,
    executable=True,  # runs when the agent calls it: the canvas shows its status badge
    is_sub_component=True,
)(None)
