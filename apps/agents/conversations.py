"""Conversation memory of agents: which thread an execution belongs to, its history, appending turns."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from apps.agents.models import ConversationMessage

MEMORY_LOAD_LIMIT = 200  # newest stored turns considered; history_window trims further by tokens


def thread_id_for(*, user_id, workflow_id) -> str:
    return f"{user_id}:{workflow_id}"


def thread_for(ctx) -> str | None:
    """The execution's thread: WorkflowExecution.thread_id, else "{triggered_by}:{workflow}"."""
    from apps.execution.models import WorkflowExecution

    row = (
        WorkflowExecution.objects.filter(execution_id=ctx.execution_id)
        .values("thread_id", "triggered_by_id", "workflow_id")
        .first()
    )
    if row is None:
        return None
    if row["thread_id"]:
        return row["thread_id"]
    if row["triggered_by_id"] is None:
        return None
    return thread_id_for(user_id=row["triggered_by_id"], workflow_id=row["workflow_id"])


def load(thread_id: str) -> list:
    """The thread as LangChain messages, cut by history_window (count and token budget)."""
    from langchain_core.messages import AIMessage, HumanMessage

    from apps.agents.context.history import history_window

    rows = list(
        ConversationMessage.objects.filter(thread_id=thread_id).order_by("-created_at", "-id")[
            :MEMORY_LOAD_LIMIT
        ]
    )
    messages = [
        HumanMessage(r.text) if r.role == ConversationMessage.Role.USER else AIMessage(r.text)
        for r in reversed(rows)
    ]
    return history_window(messages)


@transaction.atomic
def append(thread_id: str, *, user: str, assistant: str) -> None:
    ConversationMessage.objects.create(thread_id=thread_id, role=ConversationMessage.Role.USER, text=user)
    ConversationMessage.objects.create(
        thread_id=thread_id, role=ConversationMessage.Role.ASSISTANT, text=assistant
    )


def history_page(
    *, thread_id: str, limit: int, before: datetime | None = None
) -> tuple[list[ConversationMessage], bool]:
    """The newest `limit` messages (before `before`), oldest first, and whether older ones exist."""
    qs = ConversationMessage.objects.filter(thread_id=thread_id)
    if before is not None:
        qs = qs.filter(created_at__lt=before)
    rows = list(qs.order_by("-created_at", "-id")[: limit + 1])
    has_more = len(rows) > limit
    return list(reversed(rows[:limit])), has_more


@transaction.atomic
def history_clear(*, thread_id: str) -> int:
    deleted, _ = ConversationMessage.objects.filter(thread_id=thread_id).delete()
    return deleted
