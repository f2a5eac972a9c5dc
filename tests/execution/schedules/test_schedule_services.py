"""The tick, the (job, tick) claim and the finish hook, with a fixed clock and no beat."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.execution.hooks import run_finish_hooks
from apps.execution.models import ExecutionStatus, ScheduledJob, ScheduledRun, WorkflowExecution
from apps.execution.services import schedules
from tests.execution.builders import build_workflow

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_enqueue():
    with mock.patch("apps.execution.services.executions.execution_enqueue") as enqueue:
        yield enqueue


def make_job(user, **fields):
    workflow = build_workflow(
        owner=user, nodes={"cron": {"component_type": "trigger_schedule"}}, edges=[], slug=None
    )
    node = workflow.nodes.get(node_id="cron")
    fields.setdefault("interval_seconds", 10)
    return schedules.schedule_create(workflow=workflow, trigger_node=node, user=user, name="j", **fields)


def finish(execution, status, error=""):
    WorkflowExecution.objects.filter(pk=execution.pk).update(status=status, error_message=error)
    execution.refresh_from_db()
    run_finish_hooks(execution)


def test_create_starts_active_with_the_first_run_one_interval_away(user):
    job = make_job(user)
    assert job.status == "active"
    assert job.next_run_at - job.anchor_at == timedelta(seconds=10)


def test_create_also_creates_the_single_beat_tick_entry(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_job(user)
        make_job(user)
    task = PeriodicTask.objects.get(name="pipelit.schedules_tick")
    assert task.task == "pipelit.schedules_tick" and task.interval.every == 1


def test_a_due_tick_fires_once_however_often_the_tick_runs(user):
    job = make_job(user)
    later = job.next_run_at + timedelta(seconds=35)  # three ticks missed: one catch-up run
    assert schedules.schedules_tick(now=later) == 1
    assert schedules.schedules_tick(now=later) == 0
    assert schedules.schedules_tick(now=later + timedelta(seconds=1)) == 0
    run = ScheduledRun.objects.get(job=job)
    assert run.tick == job.next_run_at and run.execution is not None
    assert run.execution.trigger_payload["scheduled_job_id"] == str(job.pk)


def test_nothing_fires_before_next_run_at(user):
    job = make_job(user)
    assert schedules.schedules_tick(now=job.next_run_at - timedelta(seconds=1)) == 0


def test_success_counts_and_moves_to_the_next_tick_until_total_repeats_then_done(user):
    job = make_job(user, total_repeats=2)
    for expected_status in ("active", "done"):
        job.refresh_from_db()
        schedules.schedules_tick(now=job.next_run_at)
        run = ScheduledRun.objects.filter(job=job).first()
        finish(run.execution, ExecutionStatus.COMPLETED)
        job.refresh_from_db()
        assert job.status == expected_status
    assert (job.run_count, job.current_repeat, job.next_run_at) == (2, 2, None)


def test_failures_back_off_and_die_after_max_retries(user):
    job = make_job(user, max_retries=1)
    schedules.schedules_tick(now=job.next_run_at)
    finish(ScheduledRun.objects.get(job=job).execution, ExecutionStatus.FAILED, "boom")
    job.refresh_from_db()
    assert (job.status, job.current_retry, job.error_count, job.last_error) == ("active", 1, 1, "boom")
    assert job.next_run_at >= timezone.now().replace(microsecond=0) + timedelta(seconds=9)
    schedules.schedules_tick(now=job.next_run_at)
    finish(ScheduledRun.objects.filter(job=job).first().execution, ExecutionStatus.FAILED, "boom")
    job.refresh_from_db()
    assert job.status == "dead" and job.error_count == 2


def test_a_finish_is_counted_once(user):
    job = make_job(user)
    schedules.schedules_tick(now=job.next_run_at)
    execution = ScheduledRun.objects.get(job=job).execution
    finish(execution, ExecutionStatus.COMPLETED)
    finish(execution, ExecutionStatus.COMPLETED)
    job.refresh_from_db()
    assert job.run_count == 1


def test_the_finish_hook_reads_nothing_for_a_run_no_schedule_fired(user, django_assert_num_queries):
    job = make_job(user)
    schedules.schedules_tick(now=job.next_run_at)
    scheduled = ScheduledRun.objects.get(job=job).execution
    other = WorkflowExecution.objects.create(
        workflow=job.workflow, trigger_node=job.trigger_node, status="completed", trigger_payload={"n": 1}
    )
    with django_assert_num_queries(0):
        schedules.schedule_execution_finished(other)
    assert "scheduled_job_id" in scheduled.trigger_payload
    finish(scheduled, ExecutionStatus.COMPLETED)
    job.refresh_from_db()
    assert job.run_count == 1


def test_an_inactive_workflow_counts_as_a_failed_run_without_an_execution(user):
    job = make_job(user)
    job.workflow.is_active = False
    job.workflow.save()
    assert schedules.schedules_tick(now=job.next_run_at) == 0
    job.refresh_from_db()
    assert job.error_count == 1 and job.last_error == "Workflow is inactive."
    assert not WorkflowExecution.objects.exists()


def test_a_run_in_flight_past_its_timeout_fails_and_is_cancelled(user):
    job = make_job(user, timeout_seconds=5)
    tick = job.next_run_at
    schedules.schedules_tick(now=tick)
    ScheduledRun.objects.filter(job=job).update(created_at=tick - timedelta(seconds=60))
    schedules.schedules_tick(now=tick + timedelta(seconds=1))
    job.refresh_from_db()
    run = ScheduledRun.objects.get(job=job)
    assert run.outcome == "failure" and job.error_count == 1 and "Timed out" in job.last_error
    assert run.execution.status == "cancelled"


def test_pause_and_stop_keep_the_counters(user):
    job = make_job(user)
    schedules.schedules_tick(now=job.next_run_at)
    finish(ScheduledRun.objects.get(job=job).execution, ExecutionStatus.COMPLETED)
    job = schedules.schedule_pause(job=ScheduledJob.objects.get(pk=job.pk))
    assert (job.status, job.run_count, job.next_run_at) == ("paused", 1, None)
    job = schedules.schedule_resume(job=job)
    assert job.status == "active" and job.run_count == 1 and job.next_run_at is not None
    job = schedules.schedule_stop(job=job)
    assert (job.status, job.run_count) == ("done", 1)
