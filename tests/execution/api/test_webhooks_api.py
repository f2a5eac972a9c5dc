"""The webhook endpoint in-process (no server loop) and its one-query trigger lookup."""

import pytest

from apps.execution.models import WorkflowExecution
from apps.execution.selectors import trigger_target_find
from tests.execution.builders import build_workflow
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow(user):
    return build_workflow(
        owner=user,
        nodes={"hook": {"component_type": "trigger_webhook"}, "work": {"component_type": "code"}},
        edges=[("hook", "work")],
    )


def test_the_one_query_lookup_gives_the_owners_trigger_with_its_workflow_and_config(user, workflow):
    node = trigger_target_find(user=user, slug=workflow.slug, component_type="trigger_webhook")
    assert node.node_id == "hook" and node.workflow.pk == workflow.pk
    assert node.workflow.is_active is True and node.workflow.circuit_opened_at is None
    assert node._prefetched_config.is_active is True and node._prefetched_config.trigger_config == {}
    named = trigger_target_find(
        user=user, slug=workflow.slug, component_type="trigger_webhook", trigger_node_id="hook"
    )
    assert named.pk == node.pk


def test_the_one_query_lookup_leaves_strangers_and_misses_to_the_two_step_lookup(user, workflow):
    find = trigger_target_find
    assert find(user=UserFactory(), slug=workflow.slug, component_type="trigger_webhook") is None
    assert find(user=user, slug="no-such-flow", component_type="trigger_webhook") is None
    assert find(user=user, slug=workflow.slug, component_type="trigger_chat") is None
    assert (
        find(user=user, slug=workflow.slug, component_type="trigger_webhook", trigger_node_id="work") is None
    )


def test_a_wait_without_a_server_loop_runs_on_a_loop_of_its_own_and_answers_202_when_it_runs_out(
    api_client, workflow
):
    response = api_client.post(f"/api/v1/webhooks/{workflow.slug}?wait=0.2", {"n": 1}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["message"] == "Still running after 0.2s"
    assert WorkflowExecution.objects.filter(execution_id=response.json()["execution_id"]).exists()
