"""Lost runs: the watchdog, re-delivered tasks, the heartbeat and the beat schedule."""

import os
import socket
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.execution.models import ExecutionLog, WorkflowExecution
from apps.execution.reporting import DbReporter
from apps.execution.services import recovery
from apps.execution.services.executions import execution_create, execution_run
from apps.workflows.models import WorkflowNode
from tests.execution.builders import code_chain

pytestmark = pytest.mark.django_db


def dead_owner() -> str:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return f"celery@{socket.gethostname()}#{proc.pid}"


@pytest.fixture
def enqueued(monkeypatch):
    sent = []
    monkeypatch.setattr(
        "apps.execution.tasks.execute_workflow.delay", lambda execution_id: sent.append(execution_id)
    )
    return sent


def make_run(user, *, status="running", owner="", heartbeat_age=60.0, logged=False):
    workflow = code_chain(owner=user, count=2)
    trigger = WorkflowNode.objects.get(workflow=workflow, node_id="trigger")
    execution = execution_create(
        workflow=workflow, trigger_node=trigger, payload={}, user=user, enqueue=False
    )
    beat = timezone.now() - timedelta(seconds=heartbeat_age)
    WorkflowExecution.objects.filter(pk=execution.pk).update(
        status=status, worker_hostname=owner, heartbeat_at=beat, started_at=beat
    )
    if logged:
        ExecutionLog.objects.create(execution=execution, node_id="trigger", status="success")
    execution.refresh_from_db()
    return execution


def test_watchdog_sends_a_stale_lost_run_back_to_continue_from_its_checkpoint(
    user, enqueued, django_capture_on_commit_callbacks
):
    execution = make_run(user, owner=dead_owner(), logged=True)
    with django_capture_on_commit_callbacks(execute=True):
        report = recovery.execution_watchdog(stale_seconds=30)
    execution.refresh_from_db()
    assert report.requeued == [str(execution.execution_id)] and report.failed == []
    assert execution.status == "pending" and execution.worker_hostname == ""
    assert execution.started_at is not None  # the first start is kept
    assert enqueued == [str(execution.execution_id)]


def test_a_run_lost_more_than_max_recoveries_times_fails_worker_lost(user, enqueued):
    execution = make_run(user, owner=dead_owner(), logged=True)
    for _ in range(recovery.MAX_RECOVERIES):
        assert recovery.execution_recover(execution=execution) == "requeued"
        WorkflowExecution.objects.filter(pk=execution.pk).update(status="running")
    assert recovery.execution_recover(execution=execution) == "failed"
    execution.refresh_from_db()
    assert execution.status == "failed" and execution.error_code == "worker_lost"
    assert execution.completed_at is not None


def crashed_after_code_1(user):
    """A real run of trigger -> code_1 -> code_2 -> code_3 stopped right after code_1 (its checkpoint
    written), then left `running` by a dead worker, as a SIGKILL would leave it."""
    workflow = code_chain(owner=user, count=3)
    WorkflowNode.objects.filter(workflow=workflow, node_id="code_1").update(interrupt_after=True)
    trigger = WorkflowNode.objects.get(workflow=workflow, node_id="trigger")
    execution = execution_create(
        workflow=workflow, trigger_node=trigger, payload={}, user=user, enqueue=False
    )
    assert execution_run(execution_id=str(execution.execution_id)).status == "interrupted"
    ExecutionLog.objects.filter(execution=execution, status="interrupted").delete()
    WorkflowNode.objects.filter(workflow=workflow, node_id="code_1").update(interrupt_after=False)
    WorkflowExecution.objects.filter(pk=execution.pk).update(status="running", worker_hostname=dead_owner())
    return execution


def test_redelivered_task_continues_a_lost_run_from_its_checkpoint_without_rerunning_nodes(user):
    execution = crashed_after_code_1(user)
    result = execution_run(execution_id=str(execution.execution_id), worker="celery@here")
    assert result.status == "completed", result.error_message
    assert result.final_output == {"output": 3}
    assert list(ExecutionLog.objects.filter(execution=execution).values_list("node_id", flat=True)) == [
        "trigger",
        "code_1",
        "code_2",
        "code_3",
    ]


def test_a_node_logged_but_not_yet_checkpointed_is_replayed_from_its_log(user):
    execution = crashed_after_code_1(user)
    # The worker died after code_2's log row was written, before its checkpoint was.
    ExecutionLog.objects.create(
        execution=execution, node_id="code_2", status="success", output={"output": 40}
    )
    result = execution_run(execution_id=str(execution.execution_id), worker="celery@here")
    assert result.status == "completed", result.error_message
    assert result.final_output == {"output": 41}  # code_3 saw the logged code_2, which did not run again
    node_ids = list(ExecutionLog.objects.filter(execution=execution).values_list("node_id", flat=True))
    assert sorted(node_ids) == ["code_1", "code_2", "code_3", "trigger"]


def test_watchdog_reruns_a_lost_run_from_the_start_when_no_node_had_finished(
    user, enqueued, django_capture_on_commit_callbacks
):
    execution = make_run(user, owner=dead_owner(), logged=False)
    with django_capture_on_commit_callbacks(execute=True):
        report = recovery.execution_watchdog(stale_seconds=30)
    execution.refresh_from_db()
    assert report.requeued == [str(execution.execution_id)]
    assert execution.status == "pending" and execution.worker_hostname == ""
    assert enqueued == [str(execution.execution_id)]


def test_watchdog_leaves_runs_with_a_fresh_heartbeat_or_a_live_worker_alone(user, enqueued):
    fresh = make_run(user, owner=dead_owner(), heartbeat_age=1, logged=True)
    alive = make_run(user, owner=recovery.owner_id(f"celery@{socket.gethostname()}"), logged=True)
    report = recovery.execution_watchdog(stale_seconds=30)
    assert report.failed == [] and report.requeued == []
    assert {e.status for e in WorkflowExecution.objects.filter(pk__in=[fresh.pk, alive.pk])} == {"running"}
    assert str(os.getpid()) in alive.worker_hostname


def test_watchdog_reenqueues_an_old_pending_run_once_per_period(user, enqueued):
    execution = make_run(user, status="pending", heartbeat_age=0)
    WorkflowExecution.objects.filter(pk=execution.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    first = recovery.execution_watchdog(pending_seconds=300)
    second = recovery.execution_watchdog(pending_seconds=300)
    assert first.reenqueued == [str(execution.execution_id)]
    assert second.reenqueued == []
    assert enqueued == [str(execution.execution_id)]
    recovery.cancel_flags._client().delete(f"pipelit:requeued:{execution.execution_id}")


def test_redelivered_task_reruns_a_lost_run_that_had_not_finished_any_node(user):
    execution = make_run(user, owner=dead_owner(), heartbeat_age=0, logged=False)
    result = execution_run(execution_id=str(execution.execution_id), worker="celery@here")
    assert result.status == "completed" and result.final_output == {"output": 2}
    assert list(ExecutionLog.objects.filter(execution=execution).values_list("node_id", flat=True)) == [
        "trigger",
        "code_1",
        "code_2",
    ]


@pytest.mark.parametrize(
    "owner",
    [recovery.owner_id(f"celery@{socket.gethostname()}"), "celery@another-host#123"],
    ids=["live-process-here", "remote-with-fresh-heartbeat"],
)
def test_redelivered_task_ignores_a_run_whose_worker_is_alive(user, owner):
    execution = make_run(user, owner=owner, heartbeat_age=0, logged=True)
    assert execution_run(execution_id=str(execution.execution_id)) is None
    execution.refresh_from_db()
    assert execution.status == "running"


def test_reporter_tick_refreshes_the_heartbeat_at_most_once_per_interval(user, settings):
    settings.EXECUTION_HEARTBEAT_INTERVAL_SECONDS = 0
    execution = make_run(user, owner="w#1", heartbeat_age=600)
    reporter = DbReporter(execution, {})
    reporter.tick()
    execution.refresh_from_db()
    assert timezone.now() - execution.heartbeat_at < timedelta(seconds=5)
    settings.EXECUTION_HEARTBEAT_INTERVAL_SECONDS = 3600
    old = execution.heartbeat_at
    reporter.tick()
    execution.refresh_from_db()
    assert execution.heartbeat_at == old


def test_the_watchdog_is_scheduled_by_beat_after_migrate():
    task = PeriodicTask.objects.get(name=recovery.WATCHDOG_TASK_NAME)
    assert task.task == "pipelit.execution_watchdog" and task.enabled and task.interval.every >= 5
    recovery.watchdog_schedule_ensure()
    assert PeriodicTask.objects.filter(name=recovery.WATCHDOG_TASK_NAME).count() == 1


def test_the_beat_task_runs_the_watchdog(user, settings):
    from apps.execution.tasks import execution_watchdog

    settings.EXECUTION_HEARTBEAT_TIMEOUT_SECONDS = 30
    execution = make_run(user, owner=dead_owner(), logged=True)
    execution_watchdog.apply()
    execution.refresh_from_db()
    assert execution.status == "pending" and execution.worker_hostname == ""
