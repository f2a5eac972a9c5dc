"""Fixtures for the agents tests: the interim OpenAI-compatible stub and LLM credentials."""

import socket

import pytest

from apps.agents.llm import providers
from apps.agents.models import LLMCredential, ProviderType
from tests.agents.llm._openai_stub import OpenAIStub


@pytest.fixture
def openai_stub():
    server = OpenAIStub().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _fresh_client_cache():
    providers.client_cache.clear()
    yield
    providers.client_cache.clear()


@pytest.fixture
def openai_credential(db, openai_stub):
    return LLMCredential.objects.create(
        name="stub openai",
        provider_type=ProviderType.OPENAI_COMPATIBLE,
        api_key="sk-test-openai-123456",
        base_url=openai_stub.base_url,
        organization_id="org-test",
        custom_headers={"X-Team": "agents", "Authorization": "Bearer stolen"},
    )


@pytest.fixture
def anthropic_credential(db, fake_anthropic):
    return LLMCredential.objects.create(
        name="fake anthropic",
        provider_type=ProviderType.ANTHROPIC,
        api_key="sk-ant-test-123456",
        base_url=fake_anthropic.url,
        custom_headers={"X-Team": "agents"},
    )


@pytest.fixture
def silent_port():
    """A loopback port that accepts TCP connections but never answers (kernel backlog only)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@pytest.fixture
def closed_port():
    """A loopback port with nothing listening: connections are refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port
