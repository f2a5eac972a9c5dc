"""The agent's loop as a small LangGraph graph on the checkpointer, for agents that wait on children.

Used when a tool marked AWAITS_CHILD (spawn_and_await) is attached; other agents keep the plain loop
in components/agent.py (no checkpoint writes on the hot path).

    model --tool calls--> tool (one call per step) --more calls--> tool ... --> model --no calls--> end
                           | spawn_and_await answered "spawned"
                           v
                 interrupt({"child_execution_id"})  -> the agent node pauses the execution

The graph's thread is `exec:{execution_id}:{node_id}`. Every step is a checkpoint, so a resumed (or
re-delivered) node never repeats a model call or a tool call that already ran; only the call being
waited on runs again (the spawn is idempotent: its child is keyed by the tool call id). The outer
engine resumes the node with `{"child_execution_id"}`; `run_durable` resumes the inner graph only
when that is the child it waits for (an older answer is the engine replaying earlier pauses, see
apps.execution.orchestrator.interrupts), then reads the child's outcome from the database.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from apps.agents.tools.spawn_tools import AWAITS_CHILD, child_outcome, spawned_child_id
from apps.execution.results import NodeError


class LoopState(TypedDict, total=False):
    conversation: list  # history + the human turn, set once
    produced: Annotated[list, operator.add]  # every message the loop added
    model_calls: int


@dataclass(frozen=True)
class Finished:
    answer: Any  # the final AIMessage
    produced: list


@dataclass(frozen=True)
class Waiting:
    child_execution_id: str


def thread_id(execution_id: str, node_id: str) -> str:
    return f"exec:{execution_id}:{node_id}"


def awaits_child(runner) -> bool:
    return any((bound.tool.metadata or {}).get(AWAITS_CHILD) for bound in runner.by_name.values())


def run_durable(
    *,
    model,
    runner,
    prompt: list,
    conversation: list,
    max_iterations: int,
    execution_id: str,
    node_id: str,
    resume_input: Any,
) -> Finished | Waiting:
    """Start, continue or resume the loop of this agent node; Waiting when it waits for a child."""
    from langgraph.types import Command

    from apps.execution.checkpoints import as_root_graph, checkpointer

    graph = _graph(model, runner, prompt, max_iterations, execution_id, node_id).compile(
        checkpointer=checkpointer()
    )
    config = {"configurable": {"thread_id": thread_id(execution_id, node_id)}}
    snapshot = as_root_graph(graph.get_state, config)
    waiting_for = _waiting_for(snapshot)
    if not snapshot.values:
        as_root_graph(graph.invoke, {"conversation": conversation, "produced": [], "model_calls": 0}, config)
    elif waiting_for is not None:
        answered = resume_input.get("child_execution_id") if isinstance(resume_input, dict) else None
        if answered != waiting_for:  # not started by this answer's child: still waiting
            return Waiting(waiting_for)
        resume = {i.id: answered for task in snapshot.tasks for i in task.interrupts}
        as_root_graph(graph.invoke, Command(resume=resume), config)
    elif snapshot.next:  # a run that stopped between steps (worker lost): go on from the checkpoint
        as_root_graph(graph.invoke, None, config)
    snapshot = as_root_graph(graph.get_state, config)
    waiting_for = _waiting_for(snapshot)
    if waiting_for is not None:
        return Waiting(waiting_for)
    produced = list(snapshot.values.get("produced") or [])
    return Finished(answer=produced[-1], produced=produced)


def forget(*, execution_id: str, node_id: str) -> None:
    from apps.execution.checkpoints import checkpoint_delete

    checkpoint_delete(thread_id=thread_id(execution_id, node_id))


def _waiting_for(snapshot) -> str | None:
    for task in snapshot.tasks:
        for pending in task.interrupts:
            if isinstance(pending.value, dict) and pending.value.get("child_execution_id"):
                return str(pending.value["child_execution_id"])
    return None


def _graph(model, runner, prompt: list, max_iterations: int, execution_id: str, node_id: str):
    from langchain_core.messages import ToolMessage
    from langgraph.graph import END, START, StateGraph
    from langgraph.types import interrupt

    from apps.agents.components._common import trimmed

    def call_model(state: LoopState) -> dict:
        calls = state.get("model_calls") or 0
        if calls >= max_iterations:
            raise NodeError(
                f"agent did not finish within {max_iterations} model calls", "max_iterations", retryable=False
            )
        messages = [*prompt, *state["conversation"], *state.get("produced", [])]
        reply = model.invoke(trimmed(messages, model), tools=runner.tools)
        return {"produced": [reply], "model_calls": calls + 1}

    def call_tool(state: LoopState) -> dict:
        call = _next_call(state.get("produced") or [])
        message = runner.run(call)
        bound = runner.by_name.get(call["name"])
        awaits = bound is not None and (bound.tool.metadata or {}).get(AWAITS_CHILD)
        child_id = spawned_child_id(message.content) if awaits and message.status != "error" else None
        if child_id is not None:
            interrupt({"child_execution_id": child_id, "tool_call_id": message.tool_call_id})
            content, failed = child_outcome(
                parent_execution_id=execution_id, agent_node_id=node_id, tool_call_id=message.tool_call_id
            )
            message = ToolMessage(
                content=content,
                tool_call_id=message.tool_call_id,
                name=call["name"],
                status="error" if failed else "success",
            )
        return {"produced": [message]}

    def after_model(state: LoopState) -> str:
        return "tool" if state["produced"][-1].tool_calls else END

    def after_tool(state: LoopState) -> str:
        return "tool" if _next_call(state["produced"]) is not None else "model"

    builder = StateGraph(LoopState)
    builder.add_node("model", call_model)
    builder.add_node("tool", call_tool)
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", after_model, ["tool", END])
    builder.add_conditional_edges("tool", after_tool, ["tool", "model"])
    return builder


def _next_call(produced: list) -> dict | None:
    """The first tool call of the newest AI message that has no answer yet (calls are answered in
    order, one per step, so counting the answers is enough even when a provider omits call ids)."""
    for index in range(len(produced) - 1, -1, -1):
        message = produced[index]
        if message.type == "ai":
            answered = len(produced) - index - 1
            return message.tool_calls[answered] if answered < len(message.tool_calls) else None
    return None
