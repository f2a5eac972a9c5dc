"""Task tools (`task_tools` node): create_task, list_tasks, update_task, cancel_task.

Acting as the workflow owner; the registry services decide blocked/pending from depends_on, unblock
dependents on completion, refuse work past an epic's budget and check every status change.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.agents import selectors, services
from apps.agents.api.tasks import TaskCreate, TaskPatch
from apps.agents.models import TaskStatus
from apps.agents.payloads import task_payload

from .context import ToolContext, ToolRefused, json_tool, kit_tool, split_csv, validated

LIST_LIMIT_CAP = 100
ACTIVE_EXECUTION = ("pending", "running", "interrupted")


def _note(text: str) -> dict:
    return {"at": timezone.now().isoformat(), "text": text}


def task_tools(tool_context: ToolContext) -> list:
    @json_tool
    def create_task(
        epic_id: str,
        title: str,
        description: str = "",
        tags: str = "",
        depends_on: str = "",
        priority: int = 2,
        estimated_tokens: int | None = None,
        max_retries: int = 2,
    ) -> dict:
        data = {
            "epic_id": epic_id,
            "title": title,
            "description": description,
            "tags": split_csv(tags),
            "depends_on": split_csv(depends_on),
            "priority": priority,
            "max_retries": max_retries,
        }
        if estimated_tokens is not None:
            data["estimated_tokens"] = estimated_tokens
        data = validated(TaskCreate, data)
        epic = selectors.epic_get(user=tool_context.owner, epic_id=data.pop("epic_id"))
        data.pop("workflow_slug", None)
        task = services.task_create(epic=epic, created_by_node_id=tool_context.agent_node_id, **data)
        return {"success": True, "task_id": task.pk, "status": task.status, "depends_on": task.depends_on}

    @json_tool
    def list_tasks(epic_id: str, status: str | None = None, tags: str | None = None, limit: int = 20) -> dict:
        if status and status not in TaskStatus.values:
            raise ToolRefused(f"unknown status {status!r}; expected one of: {', '.join(TaskStatus.values)}")
        epic = selectors.epic_get(user=tool_context.owner, epic_id=epic_id)
        tasks = selectors.task_list(
            user=tool_context.owner, epic_id=epic.pk, status=status or None, tags=split_csv(tags) or None
        )
        limit = max(1, min(int(limit), LIST_LIMIT_CAP))
        keys = ("id", "title", "status", "priority", "depends_on", "execution_id")
        items = [{key: task_payload(task)[key] for key in keys} for task in tasks[:limit]]
        return {"success": True, "tasks": items, "total": tasks.count()}

    @json_tool
    def update_task(
        task_id: str,
        status: str | None = None,
        title: str | None = None,
        description: str | None = None,
        priority: int | None = None,
        result_summary: str | None = None,
        error_message: str | None = None,
        notes: str | None = None,
    ) -> dict:
        given = {
            "status": status,
            "title": title,
            "description": description,
            "priority": priority,
            "result_summary": result_summary,
            "error_message": error_message,
        }
        changes = validated(TaskPatch, {k: v for k, v in given.items() if v is not None}, partial=True)
        task = selectors.task_get(user=tool_context.owner, task_id=task_id)
        if notes:
            changes["notes"] = [*task.notes, _note(notes)]
        task = services.task_update(task=task, changes=changes)
        return {"success": True, "task_id": task.pk, "status": task.status}

    @json_tool
    def cancel_task(task_id: str, reason: str = "") -> dict:
        from apps.execution.services.executions import execution_cancel

        task = selectors.task_get(user=tool_context.owner, task_id=task_id)
        changes: dict = {"status": TaskStatus.CANCELLED}
        if reason:
            changes["notes"] = [*task.notes, _note(f"cancelled: {reason}")]
        execution = task.execution
        own = execution is not None and str(execution.execution_id) == tool_context.execution_id
        with transaction.atomic():
            task = services.task_update(task=task, changes=changes)
            cancelled = False
            if execution is not None and not own and execution.status in ACTIVE_EXECUTION:
                cancelled = execution_cancel(execution=execution).status == "cancelled"
        return {"success": True, "task_id": task.pk, "execution_cancelled": cancelled}

    return [
        kit_tool(
            create_task,
            description="Create a task in an epic. depends_on: comma-separated task ids of the same "
            "epic; the task is 'blocked' until they are completed, else 'pending'. Refused when the "
            "epic is finished or its token/USD budget would be exceeded.",
        ),
        kit_tool(
            list_tasks, description="List an epic's tasks, optionally by status or comma-separated tags."
        ),
        kit_tool(
            update_task,
            description="Change a task; only given fields change. status: pending, blocked, running, "
            "completed, failed, cancelled (completing unblocks tasks that depend on it). notes: a "
            "note appended to the task's notes.",
        ),
        kit_tool(
            cancel_task,
            description="Cancel a task (reason is noted) and its linked execution if still running.",
        ),
    ]
