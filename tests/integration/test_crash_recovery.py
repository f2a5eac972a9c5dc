"""A worker SIGKILLed mid-run: the runs continue from their checkpoints on a new worker; no node runs twice."""

import time
from collections import Counter

import pytest

from apps.execution.models import ExecutionLog, WorkflowExecution
from apps.execution.services.executions import execution_create
from apps.execution.services.recovery import execution_watchdog
from apps.workflows.models import WorkflowNode
from tests.execution.builders import build_workflow
from tests.support.live import start_worker, wait_for_worker
from tests.support.worker import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FINISHED = {"completed", "failed", "cancelled"}


def slow_chain(owner, count=10, sleep=0.15):
    nodes = {"trigger": {"component_type": "trigger_manual"}}
    edges = []
    previous = "trigger"
    for i in range(1, count + 1):
        start = "1" if i == 1 else f"node_outputs['step_{i - 1}']['output'] + 1"
        nodes[f"step_{i}"] = {
            "component_type": "code",
            "config": {"code": f"import time\ntime.sleep({sleep})\nresult = {start}"},
        }
        edges.append((previous, f"step_{i}"))
        previous = f"step_{i}"
    return build_workflow(owner=owner, nodes=nodes, edges=edges)


@pytest.fixture
def no_session_worker(celery_worker):
    """This test owns the queue: the shared worker is stopped for its duration and started again."""
    celery_worker.stop()
    yield
    celery_worker.start()
    wait_for_worker(celery_worker)


@pytest.mark.timeout(300)  # two worker starts and 20 runs of 10 sandboxed nodes on a loaded machine
def test_killed_worker_runs_continue_from_their_checkpoints_and_each_node_is_logged_once(
    user, no_session_worker
):
    workflow = slow_chain(user)
    trigger = WorkflowNode.objects.get(workflow=workflow, node_id="trigger")
    first = start_worker("crash-first", concurrency=2, EXECUTION_HEARTBEAT_INTERVAL_SECONDS="0.3")
    second = None
    try:
        ids = [
            execution_create(workflow=workflow, trigger_node=trigger, payload={}, user=user).execution_id
            for _ in range(20)
        ]
        # Mid-way: some runs are partly logged, most are still queued.
        wait_until(
            lambda: (
                ExecutionLog.objects.filter(execution__execution_id__in=ids, node_id="step_3").count() >= 2
            ),
            timeout=60,
            message="the first worker never got going",
        )
        first.kill()
        interrupted = set(
            WorkflowExecution.objects.filter(execution_id__in=ids, status="running").values_list(
                "execution_id", flat=True
            )
        )
        assert interrupted, "the kill should have caught runs in flight"

        second = start_worker("crash-second", concurrency=2, EXECUTION_HEARTBEAT_INTERVAL_SECONDS="0.3")
        time.sleep(1.2)  # the dead worker's heartbeats go stale
        report = execution_watchdog(stale_seconds=1.0, pending_seconds=0)
        assert {str(i) for i in interrupted} <= set(report.failed) | set(report.requeued)

        def all_finished():
            return WorkflowExecution.objects.filter(execution_id__in=ids, status__in=FINISHED).count() == len(
                ids
            )

        wait_until(all_finished, timeout=120, message="some executions never ended")
    finally:
        first.kill()
        if second is not None:
            second.stop()

    executions = list(WorkflowExecution.objects.filter(execution_id__in=ids))
    outcomes = Counter((e.status, e.error_code) for e in executions)
    # With the checkpointer every lost run continues where it was: none has to fail `worker_lost`.
    assert outcomes == {("completed", ""): 20}, outcomes
    expected = ["trigger", *(f"step_{i}" for i in range(1, 11))]
    for execution in executions:
        node_ids = list(ExecutionLog.objects.filter(execution=execution).values_list("node_id", flat=True))
        assert sorted(node_ids) == sorted(expected), (execution.execution_id, node_ids)  # each exactly once
        assert execution.final_output == {"output": 10}
