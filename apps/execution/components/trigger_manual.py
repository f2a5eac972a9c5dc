"""Manual trigger: fired from the UI or `POST /workflows/{slug}/execute/`; exposes its payload."""

from apps.execution.components._triggers import NO_CONFIG, TRIGGER_COLOR, payload_of
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type


@node_type(
    "trigger_manual",
    display_name="Manual Trigger",
    category=Category.TRIGGER,
    description="Run the workflow on demand; the optional text is part of the payload.",
    outputs=[Port("payload", DataType.OBJECT, description="Trigger payload with optional text and metadata")],
    config_kind=ConfigKind.TRIGGER,
    config_schema=NO_CONFIG,
    icon="play",
    color=TRIGGER_COLOR,
    is_trigger=True,
)
def run(ctx) -> dict:
    payload = payload_of(ctx)
    payload.setdefault("text", "")
    return {"payload": payload}
