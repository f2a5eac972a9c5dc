"""Workflow trigger: the entry of a child workflow run by a parent's subworkflow node (or spawn_and_await)."""

from apps.execution.components._triggers import TRIGGER_COLOR, payload_of
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type


@node_type(
    "trigger_workflow",
    display_name="Workflow Trigger",
    category=Category.TRIGGER,
    description="Runs when a parent workflow calls this one as a child; exposes the payload the parent "
    "scoped for it. `trigger_config.source_workflow` restricts the parent allowed to call.",
    outputs=[Port("payload", DataType.OBJECT, description="Data passed from the parent workflow")],
    config_kind=ConfigKind.TRIGGER,
    config_schema={
        "type": "object",
        "properties": {
            "source_workflow": {"type": "string", "description": "Only this parent workflow slug may call"}
        },
        "additionalProperties": True,
    },
    icon="git-branch",
    color=TRIGGER_COLOR,
    is_trigger=True,
)
def run(ctx) -> dict:
    payload = payload_of(ctx)
    payload.setdefault("text", "")
    return {"payload": payload}
