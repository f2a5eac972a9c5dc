"""Schedule trigger: fired by the beat tick for its ScheduledJob; outputs the fire time and the payload."""

from apps.execution.components._triggers import TRIGGER_COLOR, payload_of
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "interval_seconds": {"type": "integer", "minimum": 1, "default": 300},
        "cron": {"type": "string", "default": "", "description": "Five-field cron; overrides the interval"},
        "timezone": {"type": "string", "default": "UTC"},
        "total_repeats": {"type": "integer", "minimum": 0, "default": 0, "description": "0 = unlimited"},
        "max_retries": {"type": "integer", "minimum": 0, "default": 3},
        "timeout_seconds": {"type": "integer", "minimum": 1, "default": 600},
        "trigger_payload": {"type": "object", "default": {}},
    },
    "additionalProperties": True,
}


@node_type(
    "trigger_schedule",
    display_name="Schedule Trigger",
    category=Category.TRIGGER,
    description="Runs the workflow on an interval or cron schedule (start it from the node's schedule actions).",
    outputs=[
        Port("timestamp", DataType.STRING, description="ISO-8601 time of the scheduled tick"),
        Port("payload", DataType.OBJECT, description="The job's trigger_payload"),
    ],
    config_kind=ConfigKind.TRIGGER,
    config_schema=CONFIG_SCHEMA,
    icon="clock",
    color=TRIGGER_COLOR,
    is_trigger=True,
)
def run(ctx) -> dict:
    trigger = payload_of(ctx)
    return {"timestamp": trigger.get("timestamp", ""), "payload": trigger.get("payload") or {}}
