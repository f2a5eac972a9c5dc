"""Model declarations resolve in the order inherit > capability > discover > credential_id."""

import pytest

from apps.workflows.dsl.errors import Problems
from apps.workflows.dsl.model_resolution import ModelResolver, normalize
from apps.workflows.dsl.source import Parent
from tests.execution.builders import build_workflow
from tests.factories import LLMCredentialFactory
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    """An OpenAI-compatible provider that lists gpt-4o, gpt-4o-mini and gpt-4.1 on GET /v1/models."""
    fake = FakeOpenAI(models=("gpt-4o-mini", "gpt-4o", "gpt-4.1")).start()
    yield fake
    fake.stop()


@pytest.fixture
def parent(user):
    other = LLMCredentialFactory(name="parent-cred")
    workflow = build_workflow(
        owner=user,
        nodes={
            "boss": {"component_type": "agent"},
            "m": {
                "component_type": "ai_model",
                "config": {"credential_id": other.pk, "model_name": "parent-model"},
            },
        },
        edges=[("m", "boss", {"edge_label": "llm"})],
    )
    return Parent.of(workflow, "boss")


def resolve(spec, parent=None):
    problems = Problems()
    normalized = normalize(spec, "model", problems)
    result = ModelResolver(parent).resolve(normalized, "model", problems) if normalized else None
    return result, {p.path: p.message for p in problems.items}


def test_capability_picks_the_exact_model_a_provider_lists_else_the_closest_substring(provider):
    credential = LLMCredentialFactory(base_url=provider.url + "/v1", api_key="sk-x")
    assert resolve({"capability": "gpt-4o"})[0] == {"credential_id": credential.pk, "model_name": "gpt-4o"}
    assert resolve("gpt-4")[0] == {"credential_id": credential.pk, "model_name": "gpt-4o"}  # shortest match
    assert resolve({"capability": "4.1", "temperature": 0.5})[0] == {
        "credential_id": credential.pk,
        "model_name": "gpt-4.1",
        "temperature": 0.5,
    }


def test_capability_also_knows_models_already_used_with_an_unreachable_credential(user):
    credential = LLMCredentialFactory(base_url="http://127.0.0.1:9/v1")
    build_workflow(
        owner=user,
        nodes={
            "m": {
                "component_type": "ai_model",
                "config": {"credential_id": credential.pk, "model_name": "claude-x"},
            }
        },
        edges=[],
    )
    assert resolve("claude")[0] == {"credential_id": credential.pk, "model_name": "claude-x"}


def test_inherit_wins_over_every_other_strategy(parent, provider):
    LLMCredentialFactory(base_url=provider.url + "/v1")
    spec = {"inherit": True, "capability": "gpt-4o", "discover": True, "credential_id": 1, "model_name": "z"}
    result, problems = resolve(spec, parent)
    assert problems == {}
    assert result["model_name"] == "parent-model"


def test_capability_wins_over_discover_and_credential_id(provider):
    credential = LLMCredentialFactory(base_url=provider.url + "/v1")
    result, _ = resolve(
        {"capability": "gpt-4.1", "discover": True, "credential_id": credential.pk, "model_name": "q"}
    )
    assert result["model_name"] == "gpt-4.1"


def test_discover_wins_over_credential_id_and_applies_the_preference(provider):
    credential = LLMCredentialFactory(base_url=provider.url + "/v1")
    cheapest, _ = resolve({"discover": True, "credential_id": credential.pk, "model_name": "q"})
    assert cheapest == {"credential_id": credential.pk, "model_name": "gpt-4o-mini"}
    capable, _ = resolve({"discover": True, "preference": "most_capable"})
    assert capable["model_name"] in ("gpt-4o", "gpt-4.1")
    assert capable["model_name"] != "gpt-4o-mini"


def test_explicit_credential_is_checked_and_needs_a_model_name():
    credential = LLMCredentialFactory()
    assert resolve({"credential_id": credential.pk, "model_name": "m1"})[0] == {
        "credential_id": credential.pk,
        "model_name": "m1",
    }
    assert resolve({"credential_id": credential.pk})[1] == {
        "model.model_name": "Required with credential_id."
    }


def test_declarations_that_say_nothing_or_too_much_are_problems():
    assert resolve({"temperature": 1})[1] == {
        "model": "Say how to pick the model: inherit, capability, discover or credential_id."
    }
    assert resolve({"capability": "x", "colour": "red"})[1]["model.colour"] == "Unknown model key."
    assert resolve(5)[1]["model"].startswith(
        "Must be 'inherit', 'discover', a capability string or a mapping"
    )
