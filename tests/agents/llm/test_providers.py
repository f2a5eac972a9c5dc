"""Provider resolution through the real LangChain clients against loopback fakes."""

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool

from apps.agents.llm import providers
from apps.agents.llm.calls import llm_invoke
from apps.agents.llm.providers import ModelSettings, ProviderConfigError, resolve_chat_model
from apps.agents.models import LLMCredential


@tool
def get_weather(city: str) -> str:
    """Weather for a city."""
    return f"sunny in {city}"


def test_openai_compatible_credential_sends_key_org_settings_and_safe_custom_headers(
    openai_credential, openai_stub
):
    openai_stub.push_text("hello from stub")
    settings = ModelSettings(
        model_name="gpt-4o-mini",
        temperature=0.2,
        max_tokens=50,
        top_p=0.9,
        frequency_penalty=0.1,
        presence_penalty=0.3,
        response_format='{"type": "json_object"}',
    )
    reply = resolve_chat_model(openai_credential, settings).invoke([HumanMessage("hi")])

    assert reply.content == "hello from stub"
    request = openai_stub.requests[-1]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-openai-123456"
    assert request.headers["openai-organization"] == "org-test"
    assert request.headers["x-team"] == "agents"
    assert request.body["model"] == "gpt-4o-mini"
    assert request.body["temperature"] == 0.2
    assert request.body["max_completion_tokens"] == 50  # langchain-openai maps max_tokens to it
    assert request.body["top_p"] == 0.9
    assert request.body["frequency_penalty"] == 0.1
    assert request.body["presence_penalty"] == 0.3
    assert request.body["response_format"] == {"type": "json_object"}


def test_anthropic_credential_reaches_configured_base_url_with_key_and_headers(
    anthropic_credential, fake_anthropic
):
    fake_anthropic.push_text("bonjour", input_tokens=12, output_tokens=3)
    model = resolve_chat_model(
        anthropic_credential, ModelSettings(model_name="claude-sonnet-4-5", temperature=0)
    )
    reply = model.invoke([SystemMessage("be brief"), HumanMessage("hi")])

    assert reply.content == "bonjour"
    assert reply.usage_metadata["input_tokens"] == 12
    assert reply.usage_metadata["output_tokens"] == 3
    request = fake_anthropic.message_requests[-1]
    # anthropic SDK 2.x sends the key as a bearer token
    assert request.headers["authorization"] == "Bearer sk-ant-test-123456"
    assert request.headers["x-team"] == "agents"
    assert request.body["system"] == "be brief"
    assert request.body["max_tokens"] == providers.ANTHROPIC_DEFAULT_MAX_TOKENS
    assert request.body["temperature"] == 0


def test_anthropic_streaming_yields_text_chunks_and_usage(anthropic_credential, fake_anthropic):
    fake_anthropic.push_text("streamed answer", input_tokens=7, output_tokens=4)
    model = resolve_chat_model(anthropic_credential, ModelSettings(model_name="claude-sonnet-4-5"))
    chunks = list(model.stream([HumanMessage("hi")]))

    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged + chunk
    text = (
        merged.content
        if isinstance(merged.content, str)
        else "".join(b.get("text", "") for b in merged.content if isinstance(b, dict))
    )
    assert text == "streamed answer"
    assert len(chunks) > 2
    assert merged.usage_metadata["input_tokens"] == 7
    assert merged.usage_metadata["output_tokens"] == 4
    assert fake_anthropic.message_requests[-1].body["stream"] is True


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_tool_calls_come_back_as_langchain_tool_calls(provider, request, openai_stub, fake_anthropic):
    credential = request.getfixturevalue(f"{provider}_credential")
    if provider == "openai":
        openai_stub.push_tool_call("get_weather", {"city": "Oslo"})
    else:
        fake_anthropic.push_tool_use("get_weather", {"city": "Oslo"}, text="checking")
    reply = llm_invoke(
        credential=credential,
        settings=ModelSettings(model_name="m"),
        messages=[HumanMessage("weather in Oslo?")],
        tools=[get_weather],
    )
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("get_weather", {"city": "Oslo"})]


def test_anthropic_streaming_tool_use_is_assembled(anthropic_credential, fake_anthropic):
    fake_anthropic.push_tool_use("get_weather", {"city": "Lima"})
    model = resolve_chat_model(anthropic_credential, ModelSettings(model_name="claude-sonnet-4-5"))
    chunks = list(model.bind_tools([get_weather]).stream([HumanMessage("weather?")]))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged + chunk
    assert [(c["name"], c["args"]) for c in merged.tool_calls] == [("get_weather", {"city": "Lima"})]


def test_repeated_resolution_reuses_the_client_until_the_credential_changes(openai_credential):
    settings = ModelSettings(model_name="gpt-4o")
    first = resolve_chat_model(openai_credential, settings)
    assert resolve_chat_model(openai_credential, settings) is first
    assert resolve_chat_model(LLMCredential.objects.get(pk=openai_credential.pk), settings) is first
    assert (
        resolve_chat_model(openai_credential, ModelSettings(model_name="gpt-4o", temperature=1)) is not first
    )

    openai_credential.api_key = "sk-rotated-000000"
    openai_credential.save()
    rotated = resolve_chat_model(openai_credential, settings)
    assert rotated is not first
    assert rotated.openai_api_key.get_secret_value() == "sk-rotated-000000"


def test_client_cache_is_bounded(openai_credential, monkeypatch):
    monkeypatch.setattr(providers.client_cache, "size", 3)
    for temperature in range(5):
        resolve_chat_model(openai_credential, ModelSettings(model_name="gpt-4o", temperature=temperature))
    assert len(providers.client_cache) == 3


def test_settings_from_node_config_accept_a_response_format_dict_and_require_a_model():
    settings = ModelSettings.from_config(
        {"model_name": "gpt-4o", "response_format": {"type": "json_object"}, "unrelated": 1}
    )
    assert settings.response_format == '{"type": "json_object"}'
    with pytest.raises(ProviderConfigError, match="model name is required"):
        ModelSettings.from_config({"temperature": 0.5})


def test_unknown_provider_type_is_a_clear_error(db):
    credential = LLMCredential(name="x", provider_type="gemini", api_key="k")
    with pytest.raises(ProviderConfigError, match="Unsupported provider type 'gemini'"):
        resolve_chat_model(credential, ModelSettings(model_name="gemini-pro"))


def test_anthropic_credential_without_a_key_fails_fast_with_a_config_error(db, fake_anthropic):
    credential = LLMCredential.objects.create(
        name="keyless", provider_type="anthropic", api_key="", base_url=fake_anthropic.url
    )
    with pytest.raises(ProviderConfigError) as info:
        llm_invoke(
            credential=credential, settings=ModelSettings(model_name="m"), messages=[HumanMessage("x")]
        )
    assert info.value.error_code == "llm_config_error"
    assert "no API key" in info.value.message
    assert fake_anthropic.requests == []


def test_openai_compatible_credential_without_a_key_still_calls_local_servers(db, openai_stub):
    credential = LLMCredential.objects.create(
        name="ollama", provider_type="openai_compatible", api_key="", base_url=openai_stub.base_url
    )
    reply = llm_invoke(
        credential=credential, settings=ModelSettings(model_name="llama3.1"), messages=[HumanMessage("x")]
    )
    assert reply.text == "ok"
    assert openai_stub.requests[-1].headers["authorization"] == "Bearer not-needed"
