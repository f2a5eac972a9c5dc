"""Error trigger: fired when an execution fails (services/error_handlers.py); exposes the error."""

from apps.execution.components._triggers import NO_CONFIG, TRIGGER_COLOR, payload_of
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type


@node_type(
    "trigger_error",
    display_name="Error Trigger",
    category=Category.TRIGGER,
    description="Runs when an execution of a workflow that names this one as its error handler fails "
    "(or of this workflow itself), with the failed execution, node, error and error code.",
    outputs=[
        Port(
            "error",
            DataType.OBJECT,
            description="message, error_code, source_node_id, source_node_type, execution_id, "
            "workflow_slug, timestamp",
        )
    ],
    config_kind=ConfigKind.TRIGGER,
    config_schema=NO_CONFIG,
    icon="alert-triangle",
    color=TRIGGER_COLOR,
    is_trigger=True,
)
def run(ctx) -> dict:
    payload = payload_of(ctx)
    error = payload.get("error")
    return {"error": error if isinstance(error, dict) else payload}
