"""spawn_and_await: an agent delegates to a child workflow and continues with its result.

The tool only starts the child (idempotently, keyed by the tool call) and says so; the waiting is the
agent's: it sees the `child_execution_id` in the answer of a tool marked AWAITS_CHILD, pauses on the
checkpointer (apps.agents.durable_agent) and is resumed with the child's outcome when it finishes
(apps.execution.services.subworkflows), holding no worker meanwhile.
"""

from __future__ import annotations

import json
from typing import Any

from .context import ToolContext, ToolRefused, json_tool, kit_tool

AWAITS_CHILD = "pipelit_awaits_child"  # tool metadata flag read by the agent's loop
DESCRIPTION = (
    "Run another workflow (by slug) as a child execution and wait for its result, which becomes this "
    "tool's answer. input_text becomes the child's trigger text, input_data (a JSON object) its "
    "payload; task_id links the child execution to a task (its cost is charged to that task). "
    "If the child fails, the answer says so with its error."
)


def spawn_and_await_tools(tool_context: ToolContext) -> list:
    @json_tool
    def spawn_and_await(
        workflow_slug: str,
        input_text: str = "",
        task_id: str | None = None,
        input_data: dict[str, Any] | None = None,
    ) -> dict:
        return spawn_child(
            tool_context,
            workflow_slug=workflow_slug,
            input_text=input_text,
            task_id=task_id,
            input_data=input_data,
        )

    tool = kit_tool(spawn_and_await, description=DESCRIPTION)
    tool.metadata = {**(tool.metadata or {}), AWAITS_CHILD: True}
    return [tool]


def spawn_child(
    tool_context: ToolContext,
    *,
    workflow_slug: str,
    input_text: str,
    task_id: str | None,
    input_data: dict[str, Any] | None,
) -> dict:
    from apps.agents import selectors, services
    from apps.agents.models import TaskStatus
    from apps.agents.tool_calls import current_call
    from apps.execution.results import NodeError
    from apps.execution.services.subworkflows import subworkflow_start

    call = current_call.get()
    if call is None or not call.tool_call_id:
        raise ToolRefused("spawn_and_await runs only inside an agent's tool call")
    if input_data is not None and not isinstance(input_data, dict):
        raise ToolRefused("input_data must be a JSON object")
    task = selectors.task_get(user=tool_context.owner, task_id=task_id) if task_id else None
    payload = {"text": input_text or "", "payload": input_data or {}}
    if task is not None:
        payload["task_id"] = task.pk
    try:
        child = subworkflow_start(
            parent_execution_id=tool_context.execution_id,
            node_id=tool_context.agent_node_id,
            key=call.tool_call_id,
            target=workflow_slug,
            payload=payload,
        )
    except NodeError as exc:
        raise ToolRefused(f"{exc} ({exc.error_code})") from exc
    if task is not None and task.execution_id != child.pk:
        changes: dict[str, Any] = {"execution": child, "workflow": child.workflow}
        if task.status == TaskStatus.PENDING:
            changes["status"] = TaskStatus.RUNNING
        services.task_update(task=task, changes=changes)
    return {
        "success": True,
        "status": "spawned",
        "child_execution_id": str(child.execution_id),
        "workflow_slug": child.workflow.slug,
    }


def spawned_child_id(content: str) -> str | None:
    """The child execution a spawn_and_await answer names (None: the spawn was refused)."""
    try:
        answer = json.loads(content)
    except ValueError:
        return None
    if isinstance(answer, dict) and answer.get("success") and answer.get("status") == "spawned":
        return str(answer.get("child_execution_id") or "") or None
    return None


def child_outcome(*, parent_execution_id: str, agent_node_id: str, tool_call_id: str) -> tuple[str, bool]:
    """(tool answer, failed) once the child of this tool call finished: its final output as JSON, or
    the reason it did not complete."""
    from apps.execution.results import NodeError
    from apps.execution.services.subworkflows import subworkflow_result

    try:
        child = subworkflow_result(
            parent_execution_id=parent_execution_id, node_id=agent_node_id, key=tool_call_id
        )
    except NodeError as exc:
        return json.dumps({"success": False, "error": str(exc), "error_code": exc.error_code}), True
    return json.dumps(
        {"success": True, "child_execution_id": str(child.execution_id), "result": child.final_output},
        default=str,
    ), False
