"""Chat trigger: a chat message (`POST /workflows/{slug}/chat/`) with text, files and payload."""

from apps.execution.components._triggers import NO_CONFIG, TRIGGER_COLOR, payload_of
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type


@node_type(
    "trigger_chat",
    display_name="Chat Trigger",
    category=Category.TRIGGER,
    description="Receives chat messages; the message text, attached files and the full payload.",
    outputs=[
        Port("text", DataType.STRING, description="The message text sent by the user"),
        Port("files", DataType.ARRAY, description="Document files attached to the message"),
        Port("payload", DataType.OBJECT, description="Full trigger payload including text and metadata"),
    ],
    config_kind=ConfigKind.TRIGGER,
    config_schema=NO_CONFIG,
    icon="message-circle",
    color=TRIGGER_COLOR,
    is_trigger=True,
)
def run(ctx) -> dict:
    payload = payload_of(ctx)
    files = payload.get("files") or []
    return {"text": str(payload.get("text", "")), "files": list(files), "payload": payload}
