"""Webhook trigger: fired by `POST /api/v1/webhooks/{slug}`; the JSON body is the payload."""

from apps.execution.components._triggers import NO_CONFIG, TRIGGER_COLOR, payload_of
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type


@node_type(
    "trigger_webhook",
    display_name="Webhook Trigger",
    category=Category.TRIGGER,
    description="Starts the workflow when an HTTP POST arrives; the request body is the payload.",
    outputs=[Port("payload", DataType.OBJECT, description="The JSON body of the webhook request")],
    config_kind=ConfigKind.TRIGGER,
    config_schema=NO_CONFIG,
    icon="webhook",
    color=TRIGGER_COLOR,
    is_trigger=True,
)
def run(ctx) -> dict:
    # The webhook handler stores the request body under "payload" next to request metadata.
    trigger = payload_of(ctx)
    return {"payload": trigger.get("payload", trigger)}
