"""Human confirmation: pause the run until a person answers (POST /executions/<id>/resume/)."""

from apps.workflows.registry import Category, DataType, Port, node_type

YES = {"yes", "confirm", "true", "y", "1"}
DEFAULT_PROMPT = "Please confirm to proceed."


@node_type(
    "human_confirmation",
    display_name="Human Confirmation",
    category=Category.LOGIC,
    description="Pauses the execution (status `interrupted`) until a person answers; routes `confirmed` "
    "(yes, confirm, true, y, 1) or `cancelled`.",
    inputs=[Port("prompt", DataType.ANY, required=False, description="Context for the question shown")],
    outputs=[
        Port("confirmed", DataType.BOOLEAN, description="Whether the user confirmed"),
        Port("user_response", DataType.STRING, description="The raw answer"),
    ],
    config_schema={
        "type": "object",
        "properties": {"prompt": {"type": "string", "default": DEFAULT_PROMPT}},
        "additionalProperties": True,
    },
    icon="user-check",
    color="#64748b",
    interrupts=True,
    routes=True,
)
def run(ctx) -> dict:
    if ctx.resume_input is None:
        prompt = str(ctx.config.get("prompt") or DEFAULT_PROMPT)
        return {"prompt": prompt, "_interrupt": {"prompt": prompt}}
    answer = str(ctx.resume_input)
    confirmed = answer.strip().lower() in YES
    return {
        "confirmed": confirmed,
        "user_response": answer,
        "_route": "confirmed" if confirmed else "cancelled",
    }
