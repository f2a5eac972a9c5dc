"""Agent: a tool-calling loop. The model (llm edge) answers or calls tools (tool edges) until done.

Only the final AI message enters the shared state (`_messages`); the whole exchange (tool calls and
results) goes to the node's ExecutionLog as the `_trace` directive (result metadata). An agent with a
`spawn_and_await` tool runs its loop on the checkpointer (apps.agents.durable_agent) and pauses the
execution while a child workflow runs, as often as it spawns one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apps.agents.components._common import (
    AI_COLOR,
    attached_bound_tools,
    attached_model,
    message_text,
    serialize_messages,
    token_usage,
    trimmed,
    user_text,
)
from apps.execution.results import NodeError
from apps.workflows.registry import Category, ConfigKind, DataType, Port, SubInput, node_type

DEFAULT_MAX_ITERATIONS = 10

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "conversation_memory": {
            "type": "boolean",
            "default": False,
            "description": "Keep the conversation per user and workflow across executions",
        },
        "max_iterations": {"type": "integer", "minimum": 1, "maximum": 50, "default": DEFAULT_MAX_ITERATIONS},
    },
}


@node_type(
    "agent",
    display_name="Agent",
    category=Category.AI,
    description="LLM agent that reasons and calls its connected tools until it can answer.",
    inputs=[Port("messages", DataType.ANY, required=True, description="Input from a trigger or node")],
    outputs=[
        Port("output", DataType.STRING, description="Final text of the last AI message"),
        Port("messages", DataType.MESSAGES, description="The final AI message"),
    ],
    sub_inputs=[SubInput.MODEL, SubInput.TOOLS, SubInput.MEMORY],
    required_sub_inputs=[SubInput.MODEL],
    config_kind=ConfigKind.AI,
    config_schema=CONFIG_SCHEMA,
    icon="bot",
    color=AI_COLOR,
)
def run(ctx) -> dict[str, Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    from apps.agents import conversations as memory
    from apps.agents import durable_agent
    from apps.agents.tool_calls import ToolRunner

    model = attached_model(ctx)
    runner = ToolRunner(
        attached_bound_tools(ctx), execution_id=ctx.execution_id, workflow_slug=ctx.workflow_slug
    )
    text = user_text(ctx)
    thread = memory.thread_for(ctx) if ctx.config.get("conversation_memory") else None
    history = memory.load(thread) if thread else []
    prompt = [SystemMessage(ctx.config["system_prompt"])] if ctx.config.get("system_prompt") else []
    conversation = [*history, HumanMessage(text)]
    asked_at = datetime.now(UTC)
    if durable_agent.awaits_child(runner):
        outcome = durable_agent.run_durable(
            model=model,
            runner=runner,
            prompt=prompt,
            conversation=conversation,
            max_iterations=_max_iterations(ctx.config),
            execution_id=str(ctx.execution_id),
            node_id=ctx.node_id,
            resume_input=ctx.resume_input,
        )
        if isinstance(outcome, durable_agent.Waiting):
            return _waiting(outcome.child_execution_id)
        answer, produced = outcome.answer, outcome.produced
        durable_agent.forget(execution_id=str(ctx.execution_id), node_id=ctx.node_id)
    else:
        answer, produced = _loop(model, runner, prompt, conversation, _max_iterations(ctx.config))
    if thread:
        memory.append(thread, user=text, assistant=message_text(answer), asked_at=asked_at)
    final = message_text(answer)
    return {
        "output": final,
        "messages": serialize_messages([answer]),
        "_messages": [answer],
        "_token_usage": token_usage(produced, model),
        "_trace": runner.annotate(serialize_messages([*prompt, *conversation[len(history) :], *produced])),
    }


def _waiting(child_id: str) -> dict[str, Any]:
    """Pause the execution until the child finishes (repeatable: the agent may spawn again later)."""
    return {
        "_interrupt": {
            "prompt": f"Waiting for child execution {child_id}",
            "child_execution_id": child_id,
            "repeat": True,
        },
        "_subworkflow": {"child_execution_id": child_id},
    }


def _max_iterations(config) -> int:
    try:
        return max(1, int(config.get("max_iterations") or DEFAULT_MAX_ITERATIONS))
    except (TypeError, ValueError):
        return DEFAULT_MAX_ITERATIONS


def _loop(model, runner, prompt: list, conversation: list, max_iterations: int):
    """(final AI message, every message the loop added) — model calls until one has no tool calls."""
    tools = runner.tools
    produced: list = []
    for _ in range(max_iterations):
        reply = model.invoke(trimmed([*prompt, *conversation, *produced], model), tools=tools)
        produced.append(reply)
        if not reply.tool_calls:
            return reply, produced
        produced.extend(runner.run(call) for call in reply.tool_calls)
    raise NodeError(
        f"agent did not finish within {max_iterations} model calls", "max_iterations", retryable=False
    )
