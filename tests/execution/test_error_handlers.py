"""A failed execution starts its error handler workflow through a trigger_error node, never recursively."""

import pytest

from apps.execution.models import ExecutionLog, WorkflowExecution
from apps.execution.services.executions import (
    execution_after_finish,
    execution_cancel,
    execution_create,
)
from apps.execution.services.executions import execution_run as _execution_run
from apps.workflows.models import Workflow, WorkflowNode
from tests.execution.builders import build_workflow

pytestmark = pytest.mark.django_db

FAIL = {"component_type": "code", "config": {"code": "raise ValueError('boom')"}}


def failing_workflow(owner, **extra_nodes):
    nodes = {"trigger": {"component_type": "trigger_manual"}, "explode": FAIL, **extra_nodes}
    edges = [("trigger", "explode")] + ([("on_error", "handle")] if "on_error" in extra_nodes else [])
    return build_workflow(owner=owner, nodes=nodes, edges=edges)


def handler_workflow(owner, handle=None):
    return build_workflow(
        owner=owner,
        nodes={
            "on_error": {"component_type": "trigger_error"},
            "handle": handle
            or {
                "component_type": "code",
                "config": {
                    "code": "result = trigger['error_code'] + ':' + trigger['error']['source_node_id']"
                },
            },
        },
        edges=[("on_error", "handle")],
    )


def execution_run(*, execution_id):
    """Run in-process, then do what the `pipelit.execution_after_finish` task does on a worker."""
    done = _execution_run(execution_id=execution_id)
    execution_after_finish(execution_id=execution_id)
    return done


def run(workflow, user, trigger="trigger"):
    node = WorkflowNode.objects.get(workflow=workflow, node_id=trigger)
    execution = execution_create(workflow=workflow, trigger_node=node, payload={}, user=user, enqueue=False)
    return execution_run(execution_id=str(execution.execution_id))


def test_failure_runs_the_handler_workflow_with_the_failed_run_node_and_error(user):
    workflow = failing_workflow(user)
    handler = handler_workflow(user)
    Workflow.objects.filter(pk=workflow.pk).update(error_handler_workflow=handler)
    workflow.refresh_from_db()

    failed = run(workflow, user)
    assert failed.status == "failed"
    handler_run = WorkflowExecution.objects.get(workflow=handler)
    payload = handler_run.trigger_payload
    assert payload["failed_execution_id"] == str(failed.execution_id)
    assert payload["workflow_slug"] == workflow.slug
    assert payload["node_id"] == "explode"
    assert payload["error_code"] == failed.error_code and "boom" in payload["error_message"]
    assert payload["error"]["source_node_type"] == "code"
    assert handler_run.trigger_node_key == "on_error" and handler_run.status == "pending"

    done = execution_run(execution_id=str(handler_run.execution_id))
    assert done.status == "completed"
    assert done.final_output == {"output": f"{failed.error_code}:explode"}
    trigger_log = ExecutionLog.objects.get(execution=done, node_id="on_error")
    assert trigger_log.output["error"]["execution_id"] == str(failed.execution_id)


def test_a_failing_handler_run_does_not_start_another_handler(user):
    workflow = failing_workflow(user, on_error={"component_type": "trigger_error"}, handle=FAIL)
    failed = run(workflow, user)
    handler_run = WorkflowExecution.objects.exclude(pk=failed.pk).get(workflow=workflow)
    assert handler_run.trigger_node_key == "on_error"
    assert execution_run(execution_id=str(handler_run.execution_id)).status == "failed"
    assert WorkflowExecution.objects.filter(workflow=workflow).count() == 2


def test_no_handler_runs_without_a_trigger_error_an_inactive_handler_or_a_success(user):
    plain = failing_workflow(user)
    assert run(plain, user).status == "failed"
    assert WorkflowExecution.objects.filter(workflow=plain).count() == 1

    inactive = handler_workflow(user)
    Workflow.objects.filter(pk=inactive.pk).update(is_active=False)
    workflow = failing_workflow(user)
    Workflow.objects.filter(pk=workflow.pk).update(error_handler_workflow=inactive)
    workflow.refresh_from_db()
    assert run(workflow, user).status == "failed"
    assert not WorkflowExecution.objects.filter(workflow=inactive).exists()

    ok = build_workflow(
        owner=user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "on_error": {"component_type": "trigger_error"},
        },
        edges=[],
    )
    assert run(ok, user).status == "completed"
    assert WorkflowExecution.objects.filter(workflow=ok).count() == 1


def test_a_cancelled_run_is_not_an_error(user):
    workflow = failing_workflow(user, on_error={"component_type": "trigger_error"}, handle=FAIL)
    node = WorkflowNode.objects.get(workflow=workflow, node_id="trigger")
    execution = execution_create(workflow=workflow, trigger_node=node, payload={}, user=user, enqueue=False)
    execution_cancel(execution=execution)
    assert WorkflowExecution.objects.filter(workflow=workflow).count() == 1


def test_the_handler_starts_from_the_after_finish_task_not_from_the_run(
    user, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        "apps.execution.tasks.execution_after_finish_task.delay",
        lambda execution_id: sent.append(execution_id),
    )
    workflow = failing_workflow(user, on_error={"component_type": "trigger_error"}, handle=FAIL)
    node = WorkflowNode.objects.get(workflow=workflow, node_id="trigger")
    execution = execution_create(workflow=workflow, trigger_node=node, payload={}, user=user, enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert _execution_run(execution_id=str(execution.execution_id)).status == "failed"
    assert sent == [str(execution.execution_id)]
    assert WorkflowExecution.objects.filter(workflow=workflow).count() == 1  # not started by the run
    execution_after_finish(execution_id=str(execution.execution_id))
    assert WorkflowExecution.objects.filter(workflow=workflow).count() == 2
