"""Conversation continuity (context Layer 2, phase 1): the slice of a thread's history to replay."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage, SystemMessage, ToolMessage

from .tokens import count_message_tokens, message_units

DEFAULT_HISTORY_LIMIT = 20
DEFAULT_HISTORY_TOKENS = 16_000


def history_window(
    messages: Sequence[BaseMessage],
    *,
    limit: int = DEFAULT_HISTORY_LIMIT,
    max_tokens: int = DEFAULT_HISTORY_TOKENS,
) -> list[BaseMessage]:
    """The newest messages of a stored thread, at most `limit` of them and `max_tokens` in total.

    System messages are dropped (the node supplies its own prompt); a tool call and its results
    stay together; the window never starts with a tool result.
    """
    history = [m for m in messages if not isinstance(m, SystemMessage)]
    kept: list[list[BaseMessage]] = []
    count = tokens = 0
    for unit in reversed(message_units(history)):
        unit_tokens = sum(count_message_tokens(m) for m in unit)
        if count + len(unit) > limit or tokens + unit_tokens > max_tokens:
            break
        kept.append(unit)
        count += len(unit)
        tokens += unit_tokens
    window = [m for unit in reversed(kept) for m in unit]
    while window and isinstance(window[0], ToolMessage):
        window.pop(0)
    return window
