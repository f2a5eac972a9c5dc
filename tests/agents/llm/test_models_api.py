"""Model listing and credential tests against the loopback fakes, through the real SDKs."""

import pytest

from apps.agents.llm import errors
from apps.agents.llm.errors import LLMCallError
from apps.agents.llm.models_api import ANTHROPIC_FALLBACK_MODELS, credential_test, list_models
from apps.agents.models import LLMCredential, ProviderType


def test_openai_compatible_models_come_from_the_models_endpoint(openai_credential, openai_stub):
    openai_stub.models = ["zeta-model", "alpha-model"]
    assert list_models(openai_credential) == [
        {"id": "alpha-model", "name": "alpha-model"},
        {"id": "zeta-model", "name": "zeta-model"},
    ]
    request = openai_stub.requests[-1]
    assert (request.method, request.path) == ("GET", "/v1/models")
    assert request.headers["authorization"] == "Bearer sk-test-openai-123456"
    assert request.headers["openai-organization"] == "org-test"
    assert request.headers["x-team"] == "agents"


def test_anthropic_models_come_from_v1_models_with_display_names(anthropic_credential, fake_anthropic):
    assert list_models(anthropic_credential) == [
        {"id": "claude-sonnet-4-5", "name": "Claude Sonnet 4.5"},
        {"id": "claude-haiku-4-5-20251001", "name": "Claude Haiku 4.5"},
    ]
    assert fake_anthropic.requests[-1].path.startswith("/v1/models")


def test_anthropic_proxy_without_a_models_endpoint_offers_the_known_models(
    anthropic_credential, fake_anthropic
):
    fake_anthropic.push_error(404, "no such route")
    assert [m["id"] for m in list_models(anthropic_credential)] == ANTHROPIC_FALLBACK_MODELS


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_listing_models_with_a_bad_key_is_an_auth_error(provider, request):
    credential = request.getfixturevalue(f"{provider}_credential")
    request.getfixturevalue("openai_stub" if provider == "openai" else "fake_anthropic").push_error(
        401, "nope"
    )
    with pytest.raises(LLMCallError) as info:
        list_models(credential)
    assert info.value.error_code == errors.LLM_AUTH_ERROR


@pytest.mark.parametrize("provider", [ProviderType.OPENAI_COMPATIBLE, ProviderType.ANTHROPIC])
def test_listing_models_from_an_unreachable_server_says_so(provider, closed_port, db):
    credential = LLMCredential.objects.create(
        name="down", provider_type=provider, api_key="k", base_url=f"http://127.0.0.1:{closed_port}"
    )
    with pytest.raises(LLMCallError) as info:
        list_models(credential)
    assert info.value.error_code == errors.LLM_UNREACHABLE
    assert "Could not connect to the provider" in info.value.message


def test_listing_models_from_a_silent_server_times_out(silent_port, db):
    credential = LLMCredential.objects.create(
        name="silent",
        provider_type=ProviderType.OPENAI,
        api_key="k",
        base_url=f"http://127.0.0.1:{silent_port}",
    )
    with pytest.raises(LLMCallError) as info:
        list_models(credential, timeout=0.3)
    assert info.value.error_code == errors.LLM_TIMEOUT


def test_anthropic_credential_test_sends_a_one_token_message(anthropic_credential, fake_anthropic):
    result = credential_test(anthropic_credential)
    assert (result.ok, result.error) == (True, "")
    body = fake_anthropic.message_requests[-1].body
    assert body["max_tokens"] == 1
    assert body["messages"] == [{"role": "user", "content": "ping"}]


def test_openai_credential_test_lists_models(openai_credential, openai_stub):
    assert credential_test(openai_credential).ok is True
    assert [(r.method, r.path) for r in openai_stub.requests] == [("GET", "/v1/models")]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_credential_test_reports_a_bad_key_without_raising(provider, request):
    credential = request.getfixturevalue(f"{provider}_credential")
    request.getfixturevalue("openai_stub" if provider == "openai" else "fake_anthropic").push_error(
        401, "invalid x-api-key"
    )
    result = credential_test(credential)
    assert result.ok is False
    assert result.error_code == errors.LLM_AUTH_ERROR
    assert result.error.startswith("Authentication failed - invalid API key")
    assert "invalid x-api-key" in result.error


def test_keyless_anthropic_credential_test_reports_a_config_error(db, fake_anthropic):
    credential = LLMCredential.objects.create(
        name="keyless", provider_type=ProviderType.ANTHROPIC, api_key="", base_url=fake_anthropic.url
    )
    result = credential_test(credential)
    assert (result.ok, result.error_code) == (False, "llm_config_error")
    assert result.error == "This Anthropic credential has no API key."
    with pytest.raises(LLMCallError, match="no API key"):
        list_models(credential)
    assert fake_anthropic.requests == []
