"""A failing execution on a real worker starts its error handler workflow, which runs to completion."""

import pytest

from apps.execution.models import WorkflowExecution
from apps.workflows.models import Workflow
from tests.execution.builders import build_workflow
from tests.integration.test_engine_flows import run_and_wait, wait_finished
from tests.support.worker import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_failed_run_on_the_worker_starts_the_handler_which_sees_the_error(api_client, celery_worker):
    handler = build_workflow(
        owner=api_client.user,
        nodes={
            "on_error": {"component_type": "trigger_error"},
            "report": {
                "component_type": "code",
                "config": {"code": "result = trigger['node_id'] + ' failed: ' + trigger['error']['message']"},
            },
        },
        edges=[("on_error", "report")],
    )
    workflow = build_workflow(
        owner=api_client.user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "explode": {"component_type": "code", "config": {"code": "raise ValueError('boom')"}},
        },
        edges=[("trigger", "explode")],
    )
    Workflow.objects.filter(pk=workflow.pk).update(error_handler_workflow=handler)

    failed = run_and_wait(api_client, workflow.slug)
    assert failed.status == "failed"
    handler_run = wait_until(
        lambda: WorkflowExecution.objects.filter(workflow=handler).first(), message="no handler run"
    )
    done = wait_finished(handler_run.execution_id)
    assert done.status == "completed", done.error_message
    assert done.trigger_payload["failed_execution_id"] == str(failed.execution_id)
    assert (
        done.final_output["output"].startswith("explode failed: ") and "boom" in done.final_output["output"]
    )
    assert WorkflowExecution.objects.filter(workflow=handler).count() == 1
