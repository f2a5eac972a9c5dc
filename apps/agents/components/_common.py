"""Helpers shared by the AI node types: the attached model and parser, the user's text, usage, traces."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from apps.execution.results import NodeError

MODEL_COLOR = "#3b82f6"
AI_COLOR = "#7c3aed"
TOOL_COLOR = "#10b981"
MEMORY_COLOR = "#f59e0b"


def attached_model(ctx):
    """The ResolvedModel of the node's `llm` sub-component; a clear failure when none is attached."""
    models = ctx.attached("llm")
    if not models:
        raise NodeError(
            f"node {ctx.node_id!r} has no model attached (llm edge)", "missing_model", retryable=False
        )
    return ctx.resolve_sub_component(models[0])


def attached_tools(ctx) -> list:
    """The LangChain tools of the node's `tool` and `memory` sub-components."""
    return [bound.tool for bound in attached_bound_tools(ctx)]


def attached_bound_tools(ctx) -> list:
    """Each tool of the node's `tool` and `memory` sub-components with the canvas node it came from.

    A sub-component may resolve to one tool, or to a kit with `tools_for(ctx)` that builds its tools
    for this execution (tools acting as the workflow owner, knowing their agent node and execution).
    """
    from apps.agents.tool_calls import BoundTool

    bound: list = []
    for label in ("tool", "memory"):
        for node in ctx.attached(label):
            resolved = ctx.resolve_sub_component(node)
            tools = resolved.tools_for(ctx) if hasattr(resolved, "tools_for") else [resolved]
            bound.extend(BoundTool(node.node_id, tool) for tool in tools)
    return bound


def attached_parser(ctx):
    parsers = ctx.attached("output_parser")
    return ctx.resolve_sub_component(parsers[0]) if parsers else None


def _text_of(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("text", "message", "output", "content"):
            if isinstance(value.get(key), str) and value[key]:
                return value[key]
    return json.dumps(value, default=str)


def user_text(ctx) -> str:
    """The input the node works on: the upstream value, else the trigger's text, else its payload."""
    text = _text_of(ctx.input)
    if text is None:
        text = _text_of(ctx.trigger.get("text")) or _text_of(ctx.trigger.get("payload"))
    return text or ""


def message_text(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part if isinstance(part, str) else str(part.get("text", ""))
            for part in content
            if isinstance(part, str) or (isinstance(part, dict) and part.get("type") == "text")
        )
    return str(content or "")


def token_usage(messages: Iterable[Any], model) -> dict[str, Any]:
    """Summed usage of the AI messages plus their USD cost (a float so state reducers can sum it)."""
    from apps.agents.costs import cost_usd, usage_from_messages

    usage: dict[str, Any] = usage_from_messages(list(messages))
    cost = cost_usd(model.model_name, usage["input_tokens"], usage["output_tokens"], model.credential)
    usage["cost_usd"] = float(cost)
    return usage


def serialize_messages(messages: Sequence[Any]) -> list[dict[str, Any]]:
    """A JSON trace of a conversation: role, text, tool calls and tool results."""
    trace = []
    for message in messages:
        item: dict[str, Any] = {"role": message.type, "content": message_text(message)}
        if getattr(message, "tool_calls", None):
            item["tool_calls"] = [
                {"id": c.get("id"), "name": c["name"], "args": c["args"]} for c in message.tool_calls
            ]
        if message.type == "tool":
            item["tool_call_id"] = message.tool_call_id
            item["name"] = message.name
        trace.append(item)
    return trace


def trimmed(messages: list, model) -> list:
    """The prompt cut to the model's context window (system prompt + newest turns)."""
    from apps.agents.context.tokens import ContextTooSmallError, context_window, trim_messages

    try:
        window = context_window(model.model_name, model.extra_config)
        reserve = min(model.settings.max_tokens or 4096, window // 4)
        return trim_messages(messages, window, response_reserve=reserve)
    except (ContextTooSmallError, ValueError) as exc:
        raise NodeError(str(exc), "context_overflow", retryable=False) from exc
