"""Episodic memory: one episode per finished execution, written by the engine's finalisation."""

from django.db import transaction

from ..models import MemoryEpisode, MemoryUser

TEXT_KEYS = ("text", "message", "input", "content", "query", "output", "result")
MAX_ACTIONS = 200
EXCERPT = 200


def _text_of(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in TEXT_KEYS:
            if isinstance(value.get(key), str):
                return value[key]
    return ""


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _trigger_type(execution) -> str:
    node = execution.trigger_node
    name = node.component_type if node else execution.trigger_node_key
    return name.removeprefix("trigger_") if name else ""


def _memory_user(logs) -> MemoryUser | None:
    """The user an identify_user node recognised during this run, if any."""
    for log in logs:
        if (
            log.component_type == "identify_user"
            and isinstance(log.output, dict)
            and log.output.get("user_id")
        ):
            return MemoryUser.objects.filter(canonical_id=log.output["user_id"]).first()
    return None


def _summary(*, slug: str, trigger_type: str, status: str, said: str, answered: str) -> str:
    summary = f"{slug} ({trigger_type or 'run'}) {status}"
    if said:
        summary += f": “{_excerpt(said)}”"
    if answered:
        summary += f" → “{_excerpt(answered)}”"
    return summary


@transaction.atomic
def episode_log_for_execution(*, execution) -> MemoryEpisode:
    """Record (or refresh) the episode of `execution`. Idempotent: one episode per execution.

    `agent_id` is the workflow's slug — in Pipelit the workflow is the unit that acts.
    """
    from apps.execution.models import ExecutionStatus

    # The columns the episode shows; a log's output is read (one query) only for an identify_user node.
    logs = list(
        execution.logs.only(
            "id", "execution_id", "node_id", "component_type", "status", "duration_ms"
        ).order_by("id")
    )
    slug = execution.workflow.slug
    trigger_type = _trigger_type(execution)
    said = _text_of(execution.trigger_payload)
    answered = _text_of(execution.final_output)
    conversation = [{"role": "user", "content": said}] if said else []
    if answered:
        conversation.append({"role": "assistant", "content": answered})
    fields = {
        "agent_id": slug,
        "workflow_slug": slug,
        "user": _memory_user(logs),
        "trigger_type": trigger_type,
        "trigger_input": execution.trigger_payload,
        "conversation": conversation,
        "actions_taken": [
            {
                "node_id": log.node_id,
                "component_type": log.component_type,
                "status": log.status,
                "duration_ms": log.duration_ms,
            }
            for log in logs[:MAX_ACTIONS]
        ],
        "final_output": execution.final_output,
        "success": execution.status == ExecutionStatus.COMPLETED,
        "error_code": execution.error_code or None,
        "error_message": execution.error_message,
        "summary": _summary(
            slug=slug, trigger_type=trigger_type, status=execution.status, said=said, answered=answered
        ),
        "started_at": execution.started_at or execution.created_at,
        "ended_at": execution.completed_at,
        "duration_ms": execution.duration_ms,
        "total_tokens": execution.total_tokens,
        "total_cost_usd": execution.total_cost_usd,
    }
    episode, _ = MemoryEpisode.objects.update_or_create(execution=execution, defaults=fields)
    return episode
