"""workflow_discover: requirement gap scoring (has/missing/extra, match_score, recommendation)."""

import pytest

from apps.execution.models import WorkflowExecution
from apps.workflows.discovery import workflow_discover
from tests.execution.builders import build_workflow
from tests.factories import LLMCredentialFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def node_types():
    """The production node types (overrides the graph tests' stand-ins)."""
    yield


def verify_workflow(owner, slug="moltbook-verify", **fields):
    return build_workflow(
        owner=owner,
        slug=slug,
        nodes={
            "hook": {"component_type": "trigger_webhook"},
            "check": {"component_type": "code", "config": {"code": "return 1"}},
            "call": {"component_type": "http_request", "config": {"extra_config": {"url": "http://x"}}},
        },
        edges=[("hook", "check"), ("check", "call")],
        **fields,
    )


def agent_workflow(owner, credential, slug="researcher"):
    return build_workflow(
        owner=owner,
        slug=slug,
        tags=["research"],
        description="Searches the web and answers questions",
        nodes={
            "chat": {"component_type": "trigger_chat"},
            "bot": {"component_type": "agent", "config": {"extra_config": {"conversation_memory": True}}},
            "m": {
                "component_type": "ai_model",
                "config": {"credential_id": credential.pk, "model_name": "gpt-4o"},
            },
            "search": {"component_type": "web_search"},
        },
        edges=[
            ("chat", "bot"),
            ("m", "bot", {"edge_label": "llm"}),
            ("search", "bot", {"edge_label": "tool"}),
        ],
    )


def executions(workflow, completed, failed):
    for status in ["completed"] * completed + ["failed"] * failed:
        WorkflowExecution.objects.create(workflow=workflow, status=status, trigger_payload={})


def test_multi_agent_example_scores_has_missing_and_extra(user):
    workflow = verify_workflow(user)
    executions(workflow, 9, 1)
    result = workflow_discover(user=user, requirements={"trigger": "webhook", "tools": ["code"]})
    match = result["matches"][0]
    assert match["slug"] == "moltbook-verify"
    assert match["has"] == ["webhook"]
    assert match["missing"] == ["code"]  # code is a step here, not a tool attached to an agent
    assert match["extra"] == ["http_request"]  # what it has beyond what was asked for
    assert match["success_rate"] == 0.9 and match["execution_count"] == 10
    # half the weighted requirements met (trigger 0.2 of 0.45), blended with a 90 % record
    assert match["match_score"] == pytest.approx(0.9 * (0.2 / 0.45) + 0.1 * 0.9, abs=1e-4)
    assert match["recommendation"] == "create_new"


def test_a_full_match_with_a_good_record_is_reuse_and_gaps_list_what_is_missing(user):
    credential = LLMCredentialFactory()
    researcher = agent_workflow(user, credential)
    executions(researcher, 10, 0)
    verify_workflow(user)
    result = workflow_discover(
        user=user,
        requirements={
            "triggers": ["trigger_chat"],
            "node_types": ["agent"],
            "tools": ["web_search"],
            "tags": ["research"],
            "description": "answers questions from the web",
            "model_capability": "gpt-4",
            "memory": True,
        },
    )
    best, other = result["matches"][0], result["matches"][1]
    assert result["total_searched"] == 2
    assert best["slug"] == "researcher" and best["match_score"] == 1.0 and best["recommendation"] == "reuse"
    assert best["gaps"] == {"triggers": [], "node_types": [], "tools": []}
    assert best["capabilities"] == {
        "triggers": ["trigger_chat"],
        "node_types": ["agent"],
        "tools": ["web_search"],
    }
    assert other["slug"] == "moltbook-verify"
    assert other["gaps"] == {"triggers": ["trigger_chat"], "node_types": ["agent"], "tools": ["web_search"]}
    assert other["match_score"] < 0.5 and other["recommendation"] == "create_new"


def test_partial_match_is_fork_and_patch(user):
    credential = LLMCredentialFactory()
    agent_workflow(user, credential)
    match = workflow_discover(
        user=user,
        requirements={
            "triggers": ["trigger_chat"],
            "node_types": ["agent"],
            "tools": ["web_search", "calculator"],
        },
    )["matches"][0]
    assert match["missing"] == ["calculator"]
    assert 0.5 <= match["match_score"] < 0.95 and match["recommendation"] == "fork_and_patch"


def test_only_visible_active_workflows_are_searched_and_the_caller_is_excluded(user):
    mine = verify_workflow(user, slug="mine")
    verify_workflow(UserFactory(), slug="private-other")
    verify_workflow(UserFactory(), slug="public-other", is_public=True)
    verify_workflow(user, slug="inactive", is_active=False)
    result = workflow_discover(user=user, requirements={"trigger": "webhook"}, exclude_pk=mine.pk, limit=10)
    assert [m["slug"] for m in result["matches"]] == ["public-other"]
    assert result["total_searched"] == 1
