"""Epic tools (`epic_tools` node): create_epic, epic_status, update_epic, search_epics.

Every call acts as the workflow owner: epics are created for it and only epics it may see are found.
Input is checked by the REST API's serializers, writes go through the registry services.
"""

from __future__ import annotations

from apps.agents import selectors, services
from apps.agents.api.epics import EpicCreate, EpicPatch
from apps.agents.models import EpicStatus
from apps.agents.payloads import epic_payload, task_payload

from .context import ToolContext, ToolRefused, json_tool, kit_tool, split_csv, validated

SEARCH_LIMIT_CAP = 100


def _given(**fields) -> dict:
    return {name: value for name, value in fields.items() if value is not None}


def epic_tools(tool_context: ToolContext) -> list:
    @json_tool
    def create_epic(
        title: str,
        description: str = "",
        tags: str = "",
        priority: int = 2,
        budget_tokens: int | None = None,
        budget_usd: float | None = None,
    ) -> dict:
        data = validated(
            EpicCreate,
            _given(
                title=title,
                description=description,
                tags=split_csv(tags),
                priority=priority,
                budget_tokens=budget_tokens,
                budget_usd=budget_usd,
            ),
        )
        data.pop("workflow_id", None)
        epic = services.epic_create(
            user=tool_context.owner,
            workflow=tool_context.workflow,
            created_by_node_id=tool_context.agent_node_id,
            **data,
        )
        return {"success": True, "epic_id": epic.pk, "title": epic.title, "status": epic.status}

    @json_tool
    def epic_status(epic_id: str) -> dict:
        epic = selectors.epic_get(user=tool_context.owner, epic_id=epic_id)
        tasks = selectors.task_list(user=tool_context.owner, epic_id=epic.pk)
        counts: dict[str, int] = {}
        for task in tasks:
            counts[task.status] = counts.get(task.status, 0) + 1
        return {
            "success": True,
            "epic": epic_payload(epic),
            "task_counts": counts,
            "budget": {
                "tokens": epic.budget_tokens,
                "spent_tokens": epic.spent_tokens,
                "usd": None if epic.budget_usd is None else float(epic.budget_usd),
                "spent_usd": float(epic.spent_usd),
            },
            "tasks": [_task_brief(task) for task in tasks],
        }

    @json_tool
    def update_epic(
        epic_id: str,
        status: str | None = None,
        title: str | None = None,
        description: str | None = None,
        priority: int | None = None,
        budget_tokens: int | None = None,
        budget_usd: float | None = None,
        result_summary: str | None = None,
    ) -> dict:
        changes = validated(
            EpicPatch,
            _given(
                status=status,
                title=title,
                description=description,
                priority=priority,
                budget_tokens=budget_tokens,
                budget_usd=budget_usd,
                result_summary=result_summary,
            ),
            partial=True,
        )
        epic = selectors.epic_get(user=tool_context.owner, epic_id=epic_id)
        epic = services.epic_update(epic=epic, changes=changes)
        return {"success": True, "epic_id": epic.pk, "status": epic.status}

    @json_tool
    def search_epics(query: str = "", tags: str = "", status: str | None = None, limit: int = 10) -> dict:
        if status and status not in EpicStatus.values:
            raise ToolRefused(f"unknown status {status!r}; expected one of: {', '.join(EpicStatus.values)}")
        epics = selectors.epic_list(
            user=tool_context.owner, status=status or None, tags=split_csv(tags) or None, query=query.strip()
        )
        limit = max(1, min(int(limit), SEARCH_LIMIT_CAP))
        results = [
            {
                "epic_id": epic.pk,
                "title": epic.title,
                "status": epic.status,
                "tags": epic.tags,
                "priority": epic.priority,
                "total_tasks": epic.total_tasks,
                "completed_tasks": epic.completed_tasks,
                "spent_usd": float(epic.spent_usd),
                "result_summary": epic.result_summary or None,
            }
            for epic in epics[:limit]
        ]
        return {"success": True, "results": results, **selectors.epic_outcome_stats(epics=epics)}

    return [
        kit_tool(
            create_epic,
            description="Create an epic (a work package of tasks). tags: comma-separated; priority 1 "
            "(highest) to 5; optional budget_tokens / budget_usd limit the tasks' spend.",
        ),
        kit_tool(
            epic_status, description="An epic's details, task counts by status, budget use and task list."
        ),
        kit_tool(
            update_epic,
            description="Change an epic; only given fields change. status: planning, active, paused, "
            "completed, cancelled, failed (cancelling cancels its open tasks; completing needs every "
            "task finished). Set result_summary when completing.",
        ),
        kit_tool(
            search_epics,
            description="Find epics by text (title/description), comma-separated tags (any) or status. "
            "Also returns success_rate (completed/finished) and avg_cost of completed epics.",
        ),
    ]


def _task_brief(task) -> dict:
    payload = task_payload(task)
    keys = ("id", "title", "status", "priority", "depends_on", "execution_id", "result_summary")
    return {key: payload[key] for key in keys}
