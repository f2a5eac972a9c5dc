"""The JSON shapes of registry and memory rows, shared by the REST answers and the socket events."""

from decimal import Decimal

from .models import Epic, MemoryEpisode, MemoryFact, MemoryProcedure, MemoryUser, Task


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _usd(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def epic_payload(epic: Epic) -> dict:
    return {
        "id": epic.id,
        "title": epic.title,
        "description": epic.description,
        "tags": epic.tags,
        "created_by_node_id": epic.created_by_node_id or None,
        "workflow_id": epic.workflow_id,
        "user_id": epic.user_id,
        "status": epic.status,
        "priority": epic.priority,
        "budget_tokens": epic.budget_tokens,
        "budget_usd": _usd(epic.budget_usd),
        "spent_tokens": epic.spent_tokens,
        "spent_usd": _usd(epic.spent_usd),
        "agent_overhead_tokens": epic.agent_overhead_tokens,
        "agent_overhead_usd": _usd(epic.agent_overhead_usd),
        "total_tasks": epic.total_tasks,
        "completed_tasks": epic.completed_tasks,
        "failed_tasks": epic.failed_tasks,
        "created_at": _iso(epic.created_at),
        "updated_at": _iso(epic.updated_at),
        "completed_at": _iso(epic.completed_at),
        "result_summary": epic.result_summary or None,
    }


def task_payload(task: Task) -> dict:
    execution = task.execution if task.execution_id else None
    return {
        "id": task.id,
        "epic_id": task.epic_id,
        "title": task.title,
        "description": task.description,
        "tags": task.tags,
        "created_by_node_id": task.created_by_node_id or None,
        "status": task.status,
        "priority": task.priority,
        "workflow_id": task.workflow_id,
        "workflow_slug": task.workflow_slug or None,
        "execution_id": str(execution.execution_id) if execution else None,
        "workflow_source": task.workflow_source,
        "depends_on": task.depends_on,
        "requirements": task.requirements,
        "estimated_tokens": task.estimated_tokens,
        "actual_tokens": task.actual_tokens,
        "actual_usd": _usd(task.actual_usd),
        "llm_calls": task.llm_calls,
        "tool_invocations": task.tool_invocations,
        "duration_ms": task.duration_ms,
        "created_at": _iso(task.created_at),
        "updated_at": _iso(task.updated_at),
        "started_at": _iso(task.started_at),
        "completed_at": _iso(task.completed_at),
        "result_summary": task.result_summary or None,
        "error_message": task.error_message or None,
        "retry_count": task.retry_count,
        "max_retries": task.max_retries,
        "notes": task.notes,
    }


def fact_payload(fact: MemoryFact) -> dict:
    return {
        "id": str(fact.id),
        "scope": fact.scope,
        "agent_id": fact.agent_id or None,
        "user_id": str(fact.user_id) if fact.user_id else None,
        "session_id": fact.session_id or None,
        "key": fact.key,
        "value": fact.value,
        "fact_type": fact.fact_type,
        "confidence": fact.confidence,
        "times_confirmed": fact.times_confirmed,
        "times_contradicted": fact.times_contradicted,
        "access_count": fact.access_count,
        "created_at": _iso(fact.created_at),
        "updated_at": _iso(fact.updated_at),
    }


def episode_payload(episode: MemoryEpisode) -> dict:
    return {
        "id": str(episode.id),
        "agent_id": episode.agent_id or None,
        "user_id": str(episode.user_id) if episode.user_id else None,
        "execution_id": str(episode.execution.execution_id) if episode.execution_id else None,
        "workflow_slug": episode.workflow_slug or None,
        "trigger_type": episode.trigger_type or None,
        "success": episode.success,
        "error_code": episode.error_code,
        "summary": episode.summary,
        "started_at": _iso(episode.started_at),
        "ended_at": _iso(episode.ended_at),
        "duration_ms": episode.duration_ms,
        "total_tokens": episode.total_tokens,
        "total_cost_usd": _usd(episode.total_cost_usd),
        "created_at": _iso(episode.created_at),
    }


def procedure_payload(procedure: MemoryProcedure) -> dict:
    return {
        "id": str(procedure.id),
        "agent_id": procedure.agent_id or None,
        "name": procedure.name,
        "description": procedure.description,
        "procedure_type": procedure.procedure_type,
        "trigger_conditions": procedure.trigger_conditions,
        "times_used": procedure.times_used,
        "times_succeeded": procedure.times_succeeded,
        "times_failed": procedure.times_failed,
        "success_rate": procedure.success_rate,
        "is_active": procedure.is_active,
        "created_at": _iso(procedure.created_at),
    }


def memory_user_payload(memory_user: MemoryUser) -> dict:
    return {
        "id": str(memory_user.id),
        "canonical_id": memory_user.canonical_id,
        "display_name": memory_user.display_name or None,
        "telegram_id": memory_user.telegram_id or None,
        "email": memory_user.email or None,
        "external_ids": memory_user.external_ids,
        "total_conversations": memory_user.total_conversations,
        "last_seen_at": _iso(memory_user.last_seen_at),
        "created_at": _iso(memory_user.created_at),
    }
