"""Subworkflow: run another workflow as a child execution and continue with its final output.

First run: the child is created (services/subworkflows.py) and the node pauses the parent with an
`_interrupt` that names the child; the parent ends `interrupted` and holds no worker. When the child
finishes, a finish hook enqueues the parent's resume; the node runs again (`ctx.resume_input` set) and
returns the child's `final_output`, or fails with `subworkflow_failed` / `subworkflow_cancelled`.
"""

from __future__ import annotations

from typing import Any

from apps.execution import expressions
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "target_workflow": {"type": "string", "description": "Slug (or id) of the workflow to run"},
        "trigger_mode": {"type": "string", "enum": ["implicit", "explicit"], "default": "implicit"},
        "trigger_node_id": {"type": "string", "description": "Which trigger_workflow node (default: first)"},
        "input_mapping": {
            "type": "object",
            "description": "Child payload key -> dotted path (trigger.x, node_outputs.n.port, input) or value",
        },
    },
    "additionalProperties": True,
}
PATH_ROOTS = ("trigger", "node_outputs", "input")


@node_type(
    "workflow",
    display_name="Subworkflow",
    category=Category.LOGIC,
    description="Runs another workflow (through its Workflow Trigger) with a scoped payload and waits "
    "for it without holding a worker; outputs the child's final output.",
    inputs=[Port("payload", DataType.ANY, required=False, description="Data passed to the child's trigger")],
    outputs=[Port("output", DataType.ANY, description="Final output of the child workflow")],
    config_kind=ConfigKind.SUBWORKFLOW,
    config_schema=CONFIG_SCHEMA,
    icon="workflow",
    color="#64748b",
    interrupts=True,
)
def run(ctx) -> dict:
    from apps.execution.services import subworkflows

    if ctx.resume_input is None:
        child = subworkflows.subworkflow_start(
            parent_execution_id=ctx.execution_id,
            node_id=ctx.node_id,
            target=ctx.config.get("target_workflow") or ctx.config.get("workflow_id"),
            trigger_node_id=ctx.config.get("trigger_node_id") or None,
            payload=child_payload(ctx),
        )
        child_id = str(child.execution_id)
        return {
            "_interrupt": {
                "prompt": f"Waiting for child execution {child_id}",
                "child_execution_id": child_id,
            },
            "_subworkflow": {"child_execution_id": child_id},
        }
    child = subworkflows.subworkflow_result(parent_execution_id=ctx.execution_id, node_id=ctx.node_id)
    return {"output": child.final_output, "_subworkflow": {"child_execution_id": str(child.execution_id)}}


def child_payload(ctx) -> dict[str, Any]:
    """The child's trigger payload: the input_mapping, else the upstream input and the parent's text.
    Never the parent's messages or whole state (context isolation)."""
    sources = {
        "trigger": expressions.trigger_context(ctx.trigger),
        "node_outputs": dict(ctx.node_outputs),
        "input": ctx.input,
    }
    mapping = ctx.config.get("input_mapping") or {}
    if isinstance(mapping, dict) and mapping:
        return {str(key): _lookup(sources, value) for key, value in mapping.items()}
    value = ctx.input
    text = value if isinstance(value, str) else sources["trigger"].get("text", "")
    return {"text": text, "payload": value}


def _lookup(sources: dict[str, Any], path: Any) -> Any:
    """`trigger.payload.x` / `node_outputs.n.port` / `input.k` -> that value; anything else is a literal
    (expressions in it were already resolved)."""
    if not isinstance(path, str) or path.split(".", 1)[0] not in PATH_ROOTS:
        return path
    value: Any = sources
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
