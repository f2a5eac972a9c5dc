"""Conversation memory of agents, kept in the process-wide LangGraph checkpointer.

A conversation is the checkpoint thread `"<user_id>:<workflow_id>"` of a tiny LangGraph graph whose state
is the message list (`add_messages`). A successful agent turn appends the user's message and the final
answer (text only, with timestamps); a failed turn leaves the thread untouched. The chat history API
reads and deletes the same thread.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, TypedDict

from apps.execution.checkpoints import as_root_graph

MEMORY_LOAD_LIMIT = 200  # newest stored turns considered; history_window trims further by tokens
USER, ASSISTANT = "user", "assistant"


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


# --- the graph ---------------------------------------------------------------------------------------
_graph_lock = threading.Lock()
_graph: tuple[Any, Any] | None = None  # (checkpointer, compiled graph)


def _conversation_graph():
    """The compiled conversation graph for this process's checkpointer (rebuilt if it was replaced)."""
    global _graph
    from apps.execution.checkpoints import checkpointer

    saver = checkpointer()
    current = _graph
    if current is not None and current[0] is saver:
        return current[1]
    from langgraph.graph import END, START, StateGraph
    from langgraph.graph.message import add_messages

    # Functional syntax: this module postpones annotations, and add_messages is imported lazily.
    conversation = TypedDict("Conversation", {"messages": Annotated[list, add_messages]})  # noqa: UP013
    builder = StateGraph(conversation)
    builder.add_node("record", lambda state: {})  # the input (the new turn) is the whole update
    builder.add_edge(START, "record")
    builder.add_edge("record", END)
    with _graph_lock:
        _graph = (saver, builder.compile(checkpointer=saver))
        return _graph[1]


def _config(thread_id: str) -> dict:
    return {"configurable": {"thread_id": thread_id}}


def _stored(thread_id: str) -> list:
    graph = _conversation_graph()
    state = as_root_graph(graph.get_state, _config(thread_id))
    return list((state.values or {}).get("messages") or [])


def _role(message) -> str:
    return USER if message.type == "human" else ASSISTANT


def _timestamp(message) -> str | None:
    return (message.additional_kwargs or {}).get("timestamp")


# --- the agent's side ----------------------------------------------------------------------------------
def load(thread_id: str) -> list:
    """The thread as plain LangChain messages, cut by history_window (count and token budget)."""
    from langchain_core.messages import AIMessage, HumanMessage

    from apps.agents.context.history import history_window

    stored = _stored(thread_id)[-MEMORY_LOAD_LIMIT:]
    messages = [HumanMessage(m.content) if _role(m) == USER else AIMessage(m.content) for m in stored]
    return history_window(messages)


def append(thread_id: str, *, user: str, assistant: str, asked_at: datetime | None = None) -> None:
    """Record one finished turn (one checkpoint write): the question at `asked_at`, the answer now."""
    now = datetime.now(UTC)
    append_messages(thread_id, [(USER, user, asked_at or now), (ASSISTANT, assistant, now)])


def append_messages(thread_id: str, messages: list[tuple[str, str, datetime]]) -> None:
    """Append (role, text, when) messages to the thread."""
    from langchain_core.messages import AIMessage, HumanMessage

    turn = [
        (HumanMessage if role == USER else AIMessage)(
            text, id=str(uuid.uuid4()), additional_kwargs={"timestamp": when.isoformat()}
        )
        for role, text, when in messages
    ]
    graph = _conversation_graph()
    as_root_graph(graph.invoke, {"messages": turn}, _config(thread_id))


# --- the chat history API's side --------------------------------------------------------------------------
def history_page(
    *, thread_id: str, limit: int, before: datetime | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """The newest `limit` messages (before `before`), oldest first, and whether older ones exist."""
    messages = [
        {
            "role": _role(m),
            "text": m.content if isinstance(m.content, str) else str(m.content),
            "timestamp": _timestamp(m),
        }
        for m in _stored(thread_id)
    ]
    if before is not None:
        cutoff = before if before.tzinfo else before.replace(tzinfo=UTC)
        messages = [m for m in messages if m["timestamp"] and datetime.fromisoformat(m["timestamp"]) < cutoff]
    return messages[-limit:], len(messages) > limit


def history_clear(*, thread_id: str) -> None:
    from apps.execution.checkpoints import checkpoint_delete

    checkpoint_delete(thread_id=thread_id)
