"""Circuit breaker and per-workflow concurrency limit, through the REST triggers and the finish hook."""

import pytest
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.execution.hooks import run_finish_hooks
from apps.execution.models import ExecutionStatus, WorkflowExecution
from apps.execution.services.protection import protection_refusal
from apps.workflows.models import Workflow
from tests.execution.builders import code_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(api_client):
    workflow = code_chain(owner=api_client.user, count=1)
    return workflow


def finish(workflow, status):
    """An execution of `workflow` that ended with `status`, run through the real finish hooks."""
    execution = WorkflowExecution.objects.create(
        workflow=workflow,
        trigger_node=workflow.nodes.get(node_id="trigger"),
        trigger_node_key="trigger",
        status=status,
    )
    run_finish_hooks(execution)
    return execution


def execute(api_client, workflow):
    return api_client.post(f"/api/v1/workflows/{workflow.slug}/execute/", {}, format="json")


def fresh(workflow) -> Workflow:
    return Workflow.objects.get(pk=workflow.pk)


def test_circuit_opens_after_n_consecutive_failures_and_refuses_triggers(api_client, flow, settings):
    settings.PIPELIT_CIRCUIT_FAILURE_THRESHOLD = 3
    finish(flow, ExecutionStatus.FAILED)
    finish(flow, ExecutionStatus.FAILED)
    assert fresh(flow).circuit_opened_at is None and fresh(flow).consecutive_failures == 2
    finish(flow, ExecutionStatus.FAILED)
    assert fresh(flow).circuit_opened_at is not None

    before = WorkflowExecution.objects.count()
    response = execute(api_client, flow)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "circuit breaker opened after 3 consecutive failed executions" in detail
    assert f"/api/v1/workflows/{flow.slug}/circuit/reset/" in detail
    assert WorkflowExecution.objects.count() == before
    opened = AuditEntry.objects.get(action="workflow.circuit_open")
    assert opened.workflow_slug == flow.slug and opened.actor_id is None

    state = api_client.get(f"/api/v1/workflows/{flow.slug}/").json()["circuit"]
    assert state["open"] is True and state["consecutive_failures"] == 3 and state["failure_threshold"] == 3


def test_a_success_in_between_starts_the_count_again(flow, settings):
    settings.PIPELIT_CIRCUIT_FAILURE_THRESHOLD = 2
    finish(flow, ExecutionStatus.FAILED)
    finish(flow, ExecutionStatus.COMPLETED)
    finish(flow, ExecutionStatus.FAILED)
    finish(flow, ExecutionStatus.CANCELLED)  # neither a success nor a failure
    assert fresh(flow).circuit_opened_at is None and fresh(flow).consecutive_failures == 1


def test_per_workflow_threshold_wins_and_zero_disables(flow, settings):
    settings.PIPELIT_CIRCUIT_FAILURE_THRESHOLD = 1
    Workflow.objects.filter(pk=flow.pk).update(circuit_failure_threshold=0)
    for _ in range(5):
        finish(flow, ExecutionStatus.FAILED)
    assert fresh(flow).circuit_opened_at is None
    Workflow.objects.filter(pk=flow.pk).update(circuit_failure_threshold=6)
    finish(flow, ExecutionStatus.FAILED)
    assert fresh(flow).circuit_opened_at is not None


def test_a_person_resets_the_circuit(api_client, flow):
    Workflow.objects.filter(pk=flow.pk).update(circuit_opened_at=timezone.now(), consecutive_failures=5)
    assert execute(api_client, flow).status_code == 409
    response = api_client.post(f"/api/v1/workflows/{flow.slug}/circuit/reset/", format="json")
    assert response.status_code == 200
    assert response.json()["circuit"] == {
        "open": False,
        "opened_at": None,
        "consecutive_failures": 0,
        "failure_threshold": 5,
    }
    assert execute(api_client, flow).status_code == 202
    reset = AuditEntry.objects.filter(action="workflow.update", workflow_slug=flow.slug).last()
    assert reset.actor_id == api_client.user.pk and reset.after == {
        "consecutive_failures": 0,
        "circuit_opened_at": None,
    }


def test_reset_needs_write_access(flow):
    from tests.conftest import client_for
    from tests.factories import UserFactory

    stranger = client_for(UserFactory())
    assert stranger.post(f"/api/v1/workflows/{flow.slug}/circuit/reset/").status_code == 404


def test_schedules_are_paused_by_an_open_circuit_too(flow):
    assert protection_refusal(workflow=flow) == ""
    Workflow.objects.filter(pk=flow.pk).update(circuit_opened_at=timezone.now())
    assert "circuit breaker" in protection_refusal(workflow=fresh(flow))


def test_concurrency_limit_answers_429_with_retry_after(api_client, flow, settings):
    Workflow.objects.filter(pk=flow.pk).update(max_concurrent_executions=2)
    assert execute(api_client, flow).status_code == 202
    assert execute(api_client, flow).status_code == 202  # two pending now (no worker runs them)
    before = WorkflowExecution.objects.count()
    response = execute(api_client, flow)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "already runs 2 executions (limit 2)" in response.json()["detail"]
    assert WorkflowExecution.objects.count() == before
    # finished runs free their slots; waiting (interrupted) runs hold none
    WorkflowExecution.objects.filter(workflow=flow).update(status=ExecutionStatus.INTERRUPTED)
    assert execute(api_client, flow).status_code == 202


def test_concurrency_default_comes_from_settings(api_client, flow, settings):
    settings.PIPELIT_MAX_CONCURRENT_EXECUTIONS = 1
    assert execute(api_client, flow).status_code == 202
    assert execute(api_client, flow).status_code == 429
    Workflow.objects.filter(pk=flow.pk).update(max_concurrent_executions=0)  # explicit: unlimited
    assert execute(api_client, flow).status_code == 202
