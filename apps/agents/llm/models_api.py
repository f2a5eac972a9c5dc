"""Ask a provider which models a credential can use, and whether the credential works at all."""

from __future__ import annotations

from dataclasses import dataclass

import anthropic
import openai

from apps.agents.models import LLMCredential, ProviderType

from .errors import LLM_BAD_REQUEST, classify
from .providers import ANTHROPIC_DEFAULT_BASE_URL, OPENAI_DEFAULT_BASE_URL, merged_headers, require_api_key

DEFAULT_TIMEOUT = 10.0
# Used when an Anthropic-compatible proxy has no /v1/models, and as the model for the test call.
ANTHROPIC_FALLBACK_MODELS = [
    "claude-opus-4-6",
    "claude-sonnet-4-6",
    "claude-haiku-4-5-20251001",
    "claude-opus-4-5",
    "claude-sonnet-4-5",
]
ANTHROPIC_TEST_MODEL = "claude-haiku-4-5-20251001"


@dataclass(frozen=True)
class CredentialTestResult:
    ok: bool
    error: str = ""
    error_code: str = ""


def _openai_client(credential: LLMCredential, timeout: float) -> openai.OpenAI:
    return openai.OpenAI(
        api_key=credential.api_key or "not-needed",
        base_url=credential.base_url or OPENAI_DEFAULT_BASE_URL,
        organization=credential.organization_id or None,
        default_headers=merged_headers(credential) or None,
        timeout=timeout,
        max_retries=0,
    )


def _anthropic_client(credential: LLMCredential, timeout: float) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key=require_api_key(credential),
        base_url=credential.base_url or ANTHROPIC_DEFAULT_BASE_URL,
        default_headers=merged_headers(credential) or None,
        timeout=timeout,
        max_retries=0,
    )


def _list_openai(credential: LLMCredential, timeout: float) -> list[dict[str, str]]:
    with _openai_client(credential, timeout) as client:
        ids = sorted({model.id for model in client.models.list()})
    return [{"id": model_id, "name": model_id} for model_id in ids]


def _list_anthropic(credential: LLMCredential, timeout: float) -> list[dict[str, str]]:
    with _anthropic_client(credential, timeout) as client:
        try:
            models = list(client.models.list(limit=1000))
        except anthropic.APIStatusError as exc:
            if classify(exc).error_code != LLM_BAD_REQUEST:
                raise
            # An Anthropic-compatible proxy without the models endpoint: offer the known models.
            return [{"id": name, "name": name} for name in ANTHROPIC_FALLBACK_MODELS]
    return [{"id": model.id, "name": model.display_name or model.id} for model in models]


def list_models(credential: LLMCredential, *, timeout: float = DEFAULT_TIMEOUT) -> list[dict[str, str]]:
    """[{"id", "name"}] the provider offers this credential; raises LLMCallError when it cannot say."""
    try:
        if credential.provider_type == ProviderType.ANTHROPIC:
            return _list_anthropic(credential, timeout)
        return _list_openai(credential, timeout)
    except Exception as exc:  # noqa: BLE001 - classified into a stable error code
        raise classify(exc) from exc


def credential_test(
    credential: LLMCredential, *, model: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> CredentialTestResult:
    """A minimal real call: Anthropic answers a 1-token message, OpenAI-compatible lists its models."""
    try:
        if credential.provider_type == ProviderType.ANTHROPIC:
            with _anthropic_client(credential, timeout) as client:
                client.messages.create(
                    model=model or ANTHROPIC_TEST_MODEL,
                    max_tokens=1,
                    messages=[{"role": "user", "content": "ping"}],
                )
        else:
            with _openai_client(credential, timeout) as client:
                client.models.list()
    except Exception as exc:  # noqa: BLE001 - the outcome is reported, never raised
        error = classify(exc)
        return CredentialTestResult(ok=False, error=error.message, error_code=error.error_code)
    return CredentialTestResult(ok=True)
