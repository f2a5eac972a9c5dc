"""USD cost of LLM calls: a built-in price table, per-credential overrides, usage from AI messages.

Prices are list prices in USD per million tokens (input, output) as published by OpenAI and
Anthropic as of 2025-11 (standard tier, no batch/cache discounts). They were not re-checked
online when written (the build machine has no internet): set `LLMCredential.price_overrides`
for anything that has moved. Unknown models cost $0 (tokens are still counted).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

PRICES_AS_OF = "2025-11"
MILLION = Decimal(1_000_000)

# model-name prefix -> (input, output) USD per 1M tokens; the longest matching prefix wins.
PRICES: dict[str, tuple[str, str]] = {
    "gpt-3.5-turbo": ("0.50", "1.50"),
    "gpt-4": ("30.00", "60.00"),
    "gpt-4-turbo": ("10.00", "30.00"),
    "gpt-4o": ("2.50", "10.00"),
    "gpt-4o-mini": ("0.15", "0.60"),
    "gpt-4.1": ("2.00", "8.00"),
    "gpt-4.1-mini": ("0.40", "1.60"),
    "gpt-4.1-nano": ("0.10", "0.40"),
    "gpt-5": ("1.25", "10.00"),
    "gpt-5-mini": ("0.25", "2.00"),
    "gpt-5-nano": ("0.05", "0.40"),
    "o1": ("15.00", "60.00"),
    "o1-mini": ("1.10", "4.40"),
    "o3": ("2.00", "8.00"),
    "o3-mini": ("1.10", "4.40"),
    "o4-mini": ("1.10", "4.40"),
    "claude-3-haiku": ("0.25", "1.25"),
    "claude-3-opus": ("15.00", "75.00"),
    "claude-3-5-haiku": ("0.80", "4.00"),
    "claude-3-5-sonnet": ("3.00", "15.00"),
    "claude-3-7-sonnet": ("3.00", "15.00"),
    "claude-haiku-4-5": ("1.00", "5.00"),
    "claude-sonnet-4": ("3.00", "15.00"),
    "claude-opus-4": ("15.00", "75.00"),
    "claude-opus-4-5": ("5.00", "25.00"),
}


def _normalize(model: str) -> str:
    return re.sub(r"[-_ ]", "", model.strip().lower().rsplit("/", 1)[-1])


def _as_rates(value: Any) -> tuple[Decimal, Decimal] | None:
    try:
        if isinstance(value, Mapping):
            return Decimal(str(value["input"])), Decimal(str(value["output"]))
        return Decimal(str(value[0])), Decimal(str(value[1]))
    except (KeyError, IndexError, TypeError, InvalidOperation):
        return None


def _longest_prefix(model: str, table: Mapping[str, Any]) -> tuple[int, Any] | None:
    """(prefix length, table value) of the longest key that prefixes `model`, or None."""
    normalized = _normalize(model)
    matches = [(len(_normalize(k)), v) for k, v in table.items() if normalized.startswith(_normalize(k))]
    return max(matches, key=lambda match: match[0], default=None)


def price_for(model: str, credential: Any = None) -> tuple[Decimal, Decimal] | None:
    """(input, output) USD per 1M tokens: an exact credential override, else the longest prefix among
    overrides and the built-in table together (an override wins a tie)."""
    overrides = getattr(credential, "price_overrides", None)
    overrides = {k: v for k, v in overrides.items() if _as_rates(v)} if isinstance(overrides, Mapping) else {}
    if model in overrides:
        return _as_rates(overrides[model])
    candidates = [m for m in (_longest_prefix(model, overrides), _longest_prefix(model, PRICES)) if m]
    if not candidates:
        return None
    # max() keeps the first of equal lengths: the override.
    return _as_rates(max(candidates, key=lambda match: match[0])[1])


def cost_usd(model: str, input_tokens: int, output_tokens: int, credential: Any = None) -> Decimal:
    """USD cost of one call (or a sum of calls) to `model`; Decimal('0') for unknown models."""
    rates = price_for(model, credential)
    if rates is None:
        return Decimal(0)
    input_rate, output_rate = rates
    return (Decimal(input_tokens) * input_rate + Decimal(output_tokens) * output_rate) / MILLION


def empty_usage() -> dict[str, int]:
    return {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0, "llm_calls": 0}


def usage_from_message(message: BaseMessage) -> dict[str, int]:
    """Provider-reported usage of one AI message (`usage_metadata`); one LLM call, zero tokens if unreported."""
    usage = empty_usage()
    if not isinstance(message, AIMessage):
        return usage
    metadata = message.usage_metadata or {}
    usage["input_tokens"] = int(metadata.get("input_tokens") or 0)
    usage["output_tokens"] = int(metadata.get("output_tokens") or 0)
    usage["total_tokens"] = int(
        metadata.get("total_tokens") or usage["input_tokens"] + usage["output_tokens"]
    )
    usage["llm_calls"] = 1
    return usage


def merge_usage(*usages: Mapping[str, int]) -> dict[str, int]:
    """Sum every numeric field of the given usage dicts."""
    merged: dict[str, int] = empty_usage()
    for usage in usages:
        for key, value in usage.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                merged[key] = merged.get(key, 0) + value
    return merged


def usage_from_messages(messages: Iterable[BaseMessage]) -> dict[str, int]:
    """Usage of every AI message in a ReAct transcript, summed."""
    return merge_usage(*(usage_from_message(m) for m in messages if isinstance(m, AIMessage)))
