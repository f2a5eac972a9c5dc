"""The claim: pending -> running exactly once, and the run comes back loaded as select_related loads it."""

import pytest

from apps.execution.models import WorkflowExecution
from apps.execution.services.executions import _claim
from apps.workflows.models import WorkflowNode

from ..orchestrator.test_light_plans import pending_chain_run

pytestmark = pytest.mark.django_db


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_a_claim_loads_the_run_its_workflow_and_trigger_node_as_the_orm_does(user):
    execution = pending_chain_run(user, count=1)
    claimed = _claim(str(execution.execution_id), "worker-a")
    expected = WorkflowExecution.objects.select_related("workflow", "trigger_node").get(pk=execution.pk)
    assert claimed.status == "running" and claimed.worker_hostname == "worker-a"
    assert claimed.started_at is not None and claimed.started_at == claimed.heartbeat_at
    assert fields(claimed) == fields(expected)
    assert fields(claimed.workflow) == fields(expected.workflow)
    assert fields(claimed.trigger_node) == fields(expected.trigger_node)
    assert claimed.trigger_payload == expected.trigger_payload  # JSON decoded, not text


def test_a_run_is_claimed_once_and_a_recovered_run_keeps_its_first_start(user):
    execution = pending_chain_run(user, count=1)
    first = _claim(str(execution.execution_id), "worker-a")
    assert _claim(str(execution.execution_id), "worker-b") is None  # already running
    WorkflowExecution.objects.filter(pk=execution.pk).update(status="pending")  # requeued after a crash
    again = _claim(str(execution.execution_id), "worker-b")
    assert again.worker_hostname == "worker-b" and again.started_at == first.started_at
    assert again.heartbeat_at > first.heartbeat_at


def test_a_run_whose_trigger_node_is_gone_is_claimed_without_one(user):
    execution = pending_chain_run(user, count=1)
    WorkflowNode.objects.filter(pk=execution.trigger_node_id).delete()
    claimed = _claim(str(execution.execution_id), "worker-a")
    assert claimed.trigger_node is None and claimed.trigger_node_key == "trigger"
    assert claimed.workflow.pk == execution.workflow_id
