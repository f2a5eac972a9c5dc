"""Wait: pause the execution for a duration without holding a worker (see services/pauses.py)."""

from apps.execution.results import NodeError
from apps.workflows.registry import Category, DataType, Port, node_type

MULTIPLIER = {"seconds": 1, "minutes": 60, "hours": 3600}

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "duration": {"type": "number", "minimum": 0, "default": 0},
        "unit": {"type": "string", "enum": list(MULTIPLIER), "default": "seconds"},
    },
    "additionalProperties": True,
}


@node_type(
    "wait",
    display_name="Wait",
    category=Category.LOGIC,
    description="Delays the downstream nodes; the execution waits in status `interrupted` and a delayed "
    "task resumes it, so no worker is held.",
    inputs=[Port("input", DataType.ANY, required=False, description="Data to pass on after the delay")],
    outputs=[Port("output", DataType.STRING, description='Confirmation, e.g. "Waited 30 seconds"')],
    config_schema=CONFIG_SCHEMA,
    icon="clock",
    color="#64748b",
    interrupts=True,
)
def run(ctx) -> dict:
    unit = str(ctx.config.get("unit") or "seconds")
    if unit not in MULTIPLIER:
        raise NodeError(
            f"unknown unit {unit!r} (seconds, minutes or hours)", "invalid_config", retryable=False
        )
    try:
        duration = float(ctx.config.get("duration") or 0)
    except (TypeError, ValueError):
        raise NodeError("duration must be a number", "invalid_config", retryable=False) from None
    if duration < 0:
        raise NodeError("duration must not be negative", "invalid_config", retryable=False)
    seconds = duration * MULTIPLIER[unit]
    shown = int(duration) if duration == int(duration) else duration
    return {"output": f"Waited {shown} {unit}", "_delay_seconds": seconds}
