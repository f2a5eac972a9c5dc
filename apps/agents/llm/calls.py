"""One LLM call as AI nodes make it: resolve the cached client, invoke, retry what is retryable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from apps.agents.models import LLMCredential

from .errors import acall_with_retries, call_with_retries
from .providers import ModelSettings, resolve_chat_model


def llm_invoke(
    *,
    credential: LLMCredential,
    settings: ModelSettings,
    messages: Sequence[BaseMessage],
    tools: Sequence[Any] = (),
    base_delay: float = 0.5,
) -> AIMessage:
    """Invoke the model once (plus `settings.max_retries` retries); raises LLMCallError on failure."""
    model = resolve_chat_model(credential, settings)
    runnable = model.bind_tools(list(tools)) if tools else model
    return call_with_retries(
        lambda: runnable.invoke(list(messages)),
        max_attempts=settings.max_retries + 1,
        base_delay=base_delay,
    )


async def allm_invoke(
    *,
    credential: LLMCredential,
    settings: ModelSettings,
    messages: Sequence[BaseMessage],
    tools: Sequence[Any] = (),
    base_delay: float = 0.5,
) -> AIMessage:
    """Async llm_invoke (the credential must already be loaded: no database access here)."""
    model = resolve_chat_model(credential, settings)
    runnable = model.bind_tools(list(tools)) if tools else model
    return await acall_with_retries(
        lambda: runnable.ainvoke(list(messages)),
        max_attempts=settings.max_retries + 1,
        base_delay=base_delay,
    )
