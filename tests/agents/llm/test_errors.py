"""Error classification and retries, provoked with real HTTP statuses from the loopback fakes."""

import time

import pytest
from langchain_core.messages import HumanMessage

from apps.agents.llm import errors
from apps.agents.llm.calls import llm_invoke
from apps.agents.llm.errors import LLMCallError, call_with_retries, classify
from apps.agents.llm.providers import ModelSettings, resolve_chat_model
from apps.agents.models import LLMCredential, ProviderType

PROVIDERS = ["openai", "anthropic"]


def _fake(provider, request):
    return request.getfixturevalue("openai_stub" if provider == "openai" else "fake_anthropic")


def _call_error(credential, settings=None) -> LLMCallError:
    model = resolve_chat_model(credential, settings or ModelSettings(model_name="m"))
    with pytest.raises(Exception) as info:
        model.invoke([HumanMessage("hi")])
    return classify(info.value)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("status", "code"),
    [
        (401, errors.LLM_AUTH_ERROR),
        (403, errors.LLM_AUTH_ERROR),
        (400, errors.LLM_BAD_REQUEST),
        (404, errors.LLM_BAD_REQUEST),
        (429, errors.LLM_RATE_LIMITED),
        (500, errors.LLM_SERVER_ERROR),
        (503, errors.LLM_SERVER_ERROR),
    ],
)
def test_http_status_maps_to_error_code(provider, status, code, request):
    credential = request.getfixturevalue(f"{provider}_credential")
    _fake(provider, request).push_error(status, "scripted failure")
    error = _call_error(credential)
    assert error.error_code == code
    assert f"HTTP {status}" in error.message
    assert "scripted failure" in error.message


@pytest.mark.parametrize("provider", PROVIDERS)
def test_auth_error_is_not_retried(provider, request):
    credential = request.getfixturevalue(f"{provider}_credential")
    fake = _fake(provider, request)
    fake.push_error(401, "bad key")
    with pytest.raises(LLMCallError) as info:
        llm_invoke(credential=credential, settings=ModelSettings(model_name="m", max_retries=3), messages=[])
    assert info.value.error_code == errors.LLM_AUTH_ERROR
    assert info.value.message.startswith("Authentication failed - invalid API key")
    assert len(fake.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_rate_limit_is_retried_after_the_retry_after_header(provider, request):
    credential = request.getfixturevalue(f"{provider}_credential")
    fake = _fake(provider, request)
    fake.push_error(429, "slow down", headers={"Retry-After": "1"})
    fake.push_text("finally")
    started = time.monotonic()
    reply = llm_invoke(
        credential=credential,
        settings=ModelSettings(model_name="m", max_retries=2),
        messages=[HumanMessage("hi")],
        base_delay=0.01,
    )
    elapsed = time.monotonic() - started
    assert reply.text == "finally"
    assert len(fake.requests) == 2
    assert 1.0 <= elapsed < 3.0


def test_retry_after_ms_header_takes_precedence(openai_credential, openai_stub):
    openai_stub.push_error(429, headers={"retry-after-ms": "50", "retry-after": "30"})
    error = _call_error(openai_credential)
    assert error.retry_after == pytest.approx(0.05)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_server_errors_are_retried_then_reported(provider, request):
    credential = request.getfixturevalue(f"{provider}_credential")
    fake = _fake(provider, request)
    for _ in range(3):
        fake.push_error(500, "boom")
    with pytest.raises(LLMCallError) as info:
        llm_invoke(
            credential=credential,
            settings=ModelSettings(model_name="m", max_retries=2),
            messages=[HumanMessage("hi")],
            base_delay=0.01,
        )
    assert info.value.error_code == errors.LLM_SERVER_ERROR
    assert len(fake.requests) == 3


@pytest.mark.parametrize("provider", [ProviderType.OPENAI_COMPATIBLE, ProviderType.ANTHROPIC])
def test_server_that_never_answers_is_a_timeout(provider, silent_port, db):
    credential = LLMCredential.objects.create(
        name="silent", provider_type=provider, api_key="k", base_url=f"http://127.0.0.1:{silent_port}/v1"
    )
    started = time.monotonic()
    with pytest.raises(LLMCallError) as info:
        llm_invoke(
            credential=credential,
            settings=ModelSettings(model_name="m", timeout=0.3, max_retries=1),
            messages=[HumanMessage("hi")],
            base_delay=0.01,
        )
    assert info.value.error_code == errors.LLM_TIMEOUT
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("provider", [ProviderType.OPENAI_COMPATIBLE, ProviderType.ANTHROPIC])
def test_refused_connection_is_unreachable(provider, closed_port, db):
    credential = LLMCredential.objects.create(
        name="down", provider_type=provider, api_key="k", base_url=f"http://127.0.0.1:{closed_port}/v1"
    )
    with pytest.raises(LLMCallError) as info:
        llm_invoke(
            credential=credential,
            settings=ModelSettings(model_name="m", timeout=2, max_retries=0),
            messages=[HumanMessage("hi")],
        )
    assert info.value.error_code == errors.LLM_UNREACHABLE
    assert "Could not connect" in info.value.message


def test_hanging_reply_is_a_timeout_and_the_retry_succeeds(openai_credential, openai_stub):
    openai_stub.push_hang(2)
    openai_stub.push_text("second try")
    reply = llm_invoke(
        credential=openai_credential,
        settings=ModelSettings(model_name="m", timeout=0.3, max_retries=1),
        messages=[HumanMessage("hi")],
        base_delay=0.01,
    )
    assert reply.text == "second try"


def test_call_with_retries_uses_exponential_backoff_without_retry_after():
    delays = []
    attempts = []

    def flaky():
        attempts.append(1)
        raise TimeoutError("slow")

    with pytest.raises(LLMCallError) as info:
        call_with_retries(flaky, max_attempts=4, base_delay=1.0, max_delay=3.0, sleep=delays.append)
    assert info.value.error_code == errors.LLM_TIMEOUT
    assert len(attempts) == 4
    assert 0.5 <= delays[0] <= 1.0
    assert 1.0 <= delays[1] <= 2.0
    assert 2.0 <= delays[2] <= 3.0


def test_unexpected_exceptions_are_not_retried():
    calls = []

    def broken():
        calls.append(1)
        raise KeyError("oops")

    with pytest.raises(LLMCallError) as info:
        call_with_retries(broken, max_attempts=3, base_delay=0, sleep=lambda _: None)
    assert info.value.error_code == errors.LLM_ERROR
    assert calls == [1]


def test_retry_after_accepts_an_http_date():
    from email.utils import formatdate

    seconds = errors.retry_after_seconds({"retry-after": formatdate(time.time() + 5, usegmt=True)})
    assert 3 <= seconds <= 5
