"""Run Command tool: shell commands in the sandbox, in the workflow's workspace directory."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "run_command",
    display_name="Run Command",
    category=Category.TOOL,
    description="Run shell commands in the sandboxed, per-workflow workspace.",
    inputs=[
        Port("command", DataType.STRING, description="Given by the agent's model when it calls the tool")
    ],
    outputs=[Port("result", DataType.STRING, description="stdout, stderr after 'STDERR:', exit code")],
    config_schema={
        "type": "object",
        "properties": {
            "timeout": {"type": "integer", "minimum": 1, "maximum": 3600, "default": 300},
        },
    },
    icon="terminal",
    color=TOOL_COLOR,
    executable=True,  # runs when the agent calls it: the canvas shows its status badge
    is_sub_component=True,
)(None)
