"""AI node tests: real engine (run_graph), real resolver, real LangChain clients against the fake server."""

import pytest

from apps.agents.resolution import resolve_sub_component
from apps.execution.orchestrator import InMemoryReporter
from tests.execution.helpers import run_snapshot
from tests.factories import LLMCredentialFactory


@pytest.fixture
def credential(transactional_db, fake_openai):
    return LLMCredentialFactory(base_url=fake_openai.url + "/v1", api_key="sk-test")


def model_node(credential, node_id="model", **settings):
    config = {"credential_id": credential.pk, "model_name": "gpt-4o-mini", "max_retries": 0, **settings}
    return {"id": node_id, "type": "ai_model", "config": config}


@pytest.fixture
def run_ai():
    """Run a fixture-format graph with the real sub-component resolver; returns (outcome, reporter)."""

    def run(graph: dict, payload: dict | None = None, *, execution_id: str = "exec-test"):
        reporter = InMemoryReporter()
        outcome = run_snapshot(
            graph,
            payload or {},
            reporter=reporter,
            execution_id=execution_id,
            sub_component_resolver=resolve_sub_component,
        )
        return outcome, reporter

    return run


class SentEvents(list):
    """(kind, data) of every broadcast_many call; `raw` keeps (channels, kind, data)."""

    def __init__(self):
        super().__init__()
        self.raw = []


@pytest.fixture
def events(monkeypatch):
    sent = SentEvents()

    def record(channels, kind, data):
        sent.raw.append((list(channels), kind, data))
        sent.append((kind, data))

    monkeypatch.setattr("pipelit.events.broadcast_many", record)
    return sent
