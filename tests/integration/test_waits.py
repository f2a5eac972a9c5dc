"""ONE worker: 20 executions sitting in wait / human_confirmation hold no worker; another one still runs."""

import pytest

from apps.execution.models import ExecutionLog, WorkflowExecution
from apps.execution.services.executions import execution_create
from apps.execution.services.pauses import execution_resume_request
from apps.workflows.models import WorkflowNode
from tests.execution.builders import build_workflow, code_chain
from tests.integration.test_crash_recovery import no_session_worker  # noqa: F401 - fixture
from tests.support.live import start_worker
from tests.support.worker import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def pausing(owner, pause: dict):
    return build_workflow(
        owner=owner,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "w": pause,
            "after": {"component_type": "code", "config": {"code": "result = 'done'"}},
        },
        edges=[("trigger", "w"), ("w", "after")],
    )


def start(workflow, user, count):
    trigger = WorkflowNode.objects.get(workflow=workflow, node_id="trigger")
    return [
        execution_create(workflow=workflow, trigger_node=trigger, payload={}, user=user).execution_id
        for _ in range(count)
    ]


def count(ids, status):
    return WorkflowExecution.objects.filter(execution_id__in=ids, status=status).count()


def test_twenty_paused_runs_do_not_block_the_only_worker(user, no_session_worker):  # noqa: F811
    waiting = pausing(user, {"component_type": "wait", "config": {"extra_config": {"duration": 12}}})
    asking = pausing(user, {"component_type": "human_confirmation", "config": {}})
    quick = code_chain(owner=user, count=3)
    worker = start_worker("one-worker", concurrency=1)
    try:
        waits, asks = start(waiting, user, 10), start(asking, user, 10)
        ids = waits + asks
        wait_until(lambda: count(ids, "interrupted") == 20, timeout=90, message="not all 20 runs paused")
        other = start(quick, user, 1)
        wait_until(
            lambda: count(other, "completed") == 1,
            timeout=30,
            message="the other execution did not run while the others waited",
        )
        assert WorkflowExecution.objects.get(execution_id=other[0]).final_output == {"output": 3}
        assert count(ids, "interrupted") == 20
        for execution in WorkflowExecution.objects.filter(execution_id__in=asks):
            execution_resume_request(execution=execution, answer="yes")
        wait_until(lambda: count(ids, "completed") == 20, timeout=120, message="not all runs resumed")
    finally:
        worker.stop()
    for execution in WorkflowExecution.objects.filter(execution_id__in=ids):
        assert execution.final_output == {"output": "done"}
        rows = list(
            ExecutionLog.objects.filter(execution=execution).order_by("id").values_list("node_id", "status")
        )
        paused = "waiting" if execution.execution_id in waits else "interrupted"
        assert rows == [("trigger", "success"), ("w", paused), ("w", "success"), ("after", "success")]
