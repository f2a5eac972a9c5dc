"""ONE worker: 20 executions sitting in a wait hold no worker; another execution still runs meanwhile."""

import pytest

from apps.execution.models import ExecutionLog, WorkflowExecution
from apps.execution.services.executions import execution_create
from apps.workflows.models import WorkflowNode
from tests.execution.builders import build_workflow, code_chain
from tests.integration.test_crash_recovery import no_session_worker  # noqa: F401 - fixture
from tests.support.live import start_worker
from tests.support.worker import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_twenty_waiting_runs_do_not_block_the_only_worker(user, no_session_worker):  # noqa: F811
    waiting = build_workflow(
        owner=user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "w": {"component_type": "wait", "config": {"extra_config": {"duration": 12}}},
            "after": {"component_type": "code", "config": {"code": "result = 'done'"}},
        },
        edges=[("trigger", "w"), ("w", "after")],
    )
    quick = code_chain(owner=user, count=3)
    worker = start_worker("one-worker", concurrency=1)
    try:
        trigger = WorkflowNode.objects.get(workflow=waiting, node_id="trigger")
        ids = [
            execution_create(workflow=waiting, trigger_node=trigger, payload={}, user=user).execution_id
            for _ in range(20)
        ]
        wait_until(
            lambda: (
                WorkflowExecution.objects.filter(execution_id__in=ids, status="interrupted").count() == 20
            ),
            timeout=60,
            message="the runs did not all reach the wait",
        )
        quick_trigger = WorkflowNode.objects.get(workflow=quick, node_id="trigger")
        other = execution_create(workflow=quick, trigger_node=quick_trigger, payload={}, user=user)
        done = wait_until(
            lambda: WorkflowExecution.objects.filter(pk=other.pk, status="completed").first(),
            timeout=30,
            message="the other execution did not run while the others waited",
        )
        assert done.final_output == {"output": 3}
        assert WorkflowExecution.objects.filter(execution_id__in=ids, status="interrupted").count() == 20
        wait_until(
            lambda: WorkflowExecution.objects.filter(execution_id__in=ids, status="completed").count() == 20,
            timeout=90,
            message="the waiting runs were not all resumed",
        )
    finally:
        worker.stop()
    for execution in WorkflowExecution.objects.filter(execution_id__in=ids):
        assert execution.final_output == {"output": "done"}
        rows = list(
            ExecutionLog.objects.filter(execution=execution).order_by("id").values_list("node_id", "status")
        )
        assert rows == [("trigger", "success"), ("w", "waiting"), ("w", "success"), ("after", "success")]
