"""Telegram trigger: fired by an Update for its bot credential (webhook, long polling or the gateway)."""

from apps.execution.components._triggers import TRIGGER_COLOR, payload_of
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {},
    "additionalProperties": True,
    "description": "Pick the Telegram bot credential on the trigger; replies go back to the chat.",
}


@node_type(
    "trigger_telegram",
    display_name="Telegram Trigger",
    category=Category.TRIGGER,
    description="Receives Telegram messages for a bot; the final output is sent back to the chat.",
    outputs=[
        Port("text", DataType.STRING, description="The message text (or media caption)"),
        Port("chat_id", DataType.NUMBER, description="The chat the message came from"),
        Port("files", DataType.ARRAY, description="Files attached to the message (file_id, kind, name)"),
        Port("payload", DataType.OBJECT, description="The raw Telegram Update"),
    ],
    config_kind=ConfigKind.TRIGGER,
    config_schema=CONFIG_SCHEMA,
    icon="send",
    color=TRIGGER_COLOR,
    is_trigger=True,
)
def run(ctx) -> dict:
    trigger = payload_of(ctx)
    return {
        "text": str(trigger.get("text") or ""),
        "chat_id": trigger.get("chat_id"),
        "files": list(trigger.get("files") or []),
        "payload": trigger.get("payload") or trigger,
    }
