"""One LLM call as AI nodes make it: resolve the cached client, invoke, retry what is retryable."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from apps.agents.models import LLMCredential

from .errors import acall_with_retries, call_with_retries
from .providers import ModelSettings, resolve_chat_model

_BOUND_CACHE_SIZE = 256
_bound_cache: dict[tuple[int, ...], tuple[Any, ...]] = {}
_bound_lock = threading.Lock()


def _bound(model, tools: Sequence[Any]):
    """`model.bind_tools(tools)`, built once per (cached client, cached tool objects): converting the
    tools to the provider's schema on every call of an agent's loop is wasted work."""
    if not tools:
        return model
    key = (id(model), *map(id, tools))
    with _bound_lock:
        hit = _bound_cache.get(key)
    if hit is not None:
        return hit[0]
    runnable = model.bind_tools(list(tools))
    with _bound_lock:
        if len(_bound_cache) >= _BOUND_CACHE_SIZE:
            _bound_cache.clear()
        _bound_cache[key] = (runnable, model, tuple(tools))  # the references keep the ids valid
    return runnable


def llm_invoke(
    *,
    credential: LLMCredential,
    settings: ModelSettings,
    messages: Sequence[BaseMessage],
    tools: Sequence[Any] = (),
    base_delay: float = 0.5,
) -> AIMessage:
    """Invoke the model once (plus `settings.max_retries` retries); raises LLMCallError on failure."""
    runnable = _bound(resolve_chat_model(credential, settings), tools)
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
    runnable = _bound(resolve_chat_model(credential, settings), tools)
    return await acall_with_retries(
        lambda: runnable.ainvoke(list(messages)),
        max_attempts=settings.max_retries + 1,
        base_delay=base_delay,
    )
