"""Turn an LLMCredential plus model settings into a (cached) LangChain chat model."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel

from apps.agents.models import LLMCredential, ProviderType

from .errors import LLM_CONFIG_ERROR, LLMCallError

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
ANTHROPIC_DEFAULT_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_DEFAULT_MAX_TOKENS = 4096
CLIENT_CACHE_SIZE = 128

# Headers that carry the credential itself; custom_headers may never replace them.
PROTECTED_HEADERS = frozenset({"authorization", "x-api-key", "api-key"})


class ProviderConfigError(LLMCallError):
    """The credential or settings cannot produce a chat model (unknown provider, no key, no model name)."""

    def __init__(self, message: str):
        super().__init__(LLM_CONFIG_ERROR, message)


def require_api_key(credential: LLMCredential) -> str:
    """Anthropic refuses keyless calls (and the SDK fails obscurely); OpenAI-compatible servers may not."""
    if credential.provider_type == ProviderType.ANTHROPIC and not credential.api_key:
        raise ProviderConfigError("This Anthropic credential has no API key.")
    return credential.api_key


@dataclass(frozen=True)
class ModelSettings:
    """Per-node model settings; frozen so it can key the client cache."""

    model_name: str
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    timeout: float | None = 60.0
    max_retries: int = 2
    # JSON text of an OpenAI `response_format` object (kept as text so the dataclass stays hashable).
    response_format: str | None = field(default=None)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ModelSettings:
        """Build from a node's config dict; unknown keys are ignored, response_format may be a dict."""
        known = {name: config[name] for name in cls.__dataclass_fields__ if config.get(name) is not None}
        if isinstance(known.get("response_format"), dict):
            known["response_format"] = json.dumps(known["response_format"], sort_keys=True)
        if not known.get("model_name"):
            raise ProviderConfigError("A model name is required.")
        return cls(**known)


def merged_headers(credential: LLMCredential) -> dict[str, str]:
    headers = credential.custom_headers if isinstance(credential.custom_headers, dict) else {}
    return {str(k): str(v) for k, v in headers.items() if str(k).lower() not in PROTECTED_HEADERS}


def _openai_model(credential: LLMCredential, settings: ModelSettings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    kwargs: dict[str, Any] = {
        "model": settings.model_name,
        # An empty key is refused by the SDK; local servers (Ollama, LM Studio) accept any string.
        "api_key": credential.api_key or "not-needed",
        "base_url": credential.base_url or OPENAI_DEFAULT_BASE_URL,
        "timeout": settings.timeout,
        # Retries are ours (call_with_retries) so they are classified and counted once, not twice.
        "max_retries": 0,
        "default_headers": merged_headers(credential) or None,
    }
    if credential.organization_id:
        kwargs["organization"] = credential.organization_id
    for name in ("temperature", "max_tokens", "top_p", "frequency_penalty", "presence_penalty"):
        value = getattr(settings, name)
        if value is not None:
            kwargs[name] = value
    if settings.response_format:
        kwargs["model_kwargs"] = {"response_format": json.loads(settings.response_format)}
    return ChatOpenAI(**kwargs)


def _anthropic_model(credential: LLMCredential, settings: ModelSettings) -> BaseChatModel:
    from langchain_anthropic import ChatAnthropic

    kwargs: dict[str, Any] = {
        "model": settings.model_name,
        "api_key": require_api_key(credential),
        "base_url": credential.base_url or ANTHROPIC_DEFAULT_BASE_URL,
        "timeout": settings.timeout,
        "max_retries": 0,
        "max_tokens": settings.max_tokens or ANTHROPIC_DEFAULT_MAX_TOKENS,
        "default_headers": merged_headers(credential) or None,
    }
    # Anthropic has no frequency/presence penalties or response_format; those settings are ignored.
    if settings.temperature is not None:
        kwargs["temperature"] = settings.temperature
    if settings.top_p is not None:
        kwargs["top_p"] = settings.top_p
    return ChatAnthropic(**kwargs)


_BUILDERS = {
    ProviderType.OPENAI: _openai_model,
    ProviderType.OPENAI_COMPATIBLE: _openai_model,
    ProviderType.ANTHROPIC: _anthropic_model,
}


def build_chat_model(credential: LLMCredential, settings: ModelSettings) -> BaseChatModel:
    """Construct a fresh chat model (no cache)."""
    builder = _BUILDERS.get(credential.provider_type)
    if builder is None:
        raise ProviderConfigError(f"Unsupported provider type {credential.provider_type!r}.")
    return builder(credential, settings)


class _ClientCache:
    """Bounded LRU of chat models; each holds its own HTTP connection pool, so reuse matters."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple, BaseChatModel] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: tuple, build) -> BaseChatModel:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        model = build()
        with self._lock:
            model = self._items.setdefault(key, model)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return model

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


client_cache = _ClientCache(CLIENT_CACHE_SIZE)


def resolve_chat_model(credential: LLMCredential, settings: ModelSettings) -> BaseChatModel:
    """The chat model for this credential+settings, rebuilt only when the credential was edited."""
    # Frozen dataclass: hashable and compared field by field.
    key = (credential.pk, credential.updated_at, settings)
    return client_cache.get_or_build(key, lambda: build_chat_model(credential, settings))
