"""Paused executions in the database: interrupted + a delayed resume task, resumed exactly once."""

import pytest

from apps.execution.models import ExecutionLog, WorkflowExecution
from apps.execution.services.executions import (
    execution_cancel,
    execution_create,
    execution_resume_run,
    execution_run,
)
from apps.workflows.models import WorkflowNode
from tests.execution.builders import build_workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "apps.execution.tasks.resume_execution.apply_async",
        lambda args, countdown: calls.append((args, countdown)),
    )
    return calls


@pytest.fixture
def events(monkeypatch):
    sent = []
    monkeypatch.setattr(
        "pipelit.events.broadcast_many", lambda channels, kind, data: sent.append((kind, data))
    )
    return sent


def waiting_run(user):
    workflow = build_workflow(
        owner=user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "before": {"component_type": "code", "config": {"code": "result = 20"}},
            "w": {"component_type": "wait", "config": {"extra_config": {"duration": 3}}},
            "after": {
                "component_type": "code",
                "config": {"code": "result = node_outputs['before']['output'] + 1"},
            },
        },
        edges=[("trigger", "before"), ("before", "w"), ("w", "after")],
    )
    node = WorkflowNode.objects.get(workflow=workflow, node_id="trigger")
    execution = execution_create(workflow=workflow, trigger_node=node, payload={}, user=user, enqueue=False)
    return execution_run(execution_id=str(execution.execution_id))


def log_rows(execution):
    return list(
        ExecutionLog.objects.filter(execution=execution).order_by("id").values_list("node_id", "status")
    )


def test_a_wait_interrupts_the_run_and_schedules_its_resume(user, scheduled, events):
    execution = waiting_run(user)
    assert execution.status == "interrupted" and execution.completed_at is None
    assert log_rows(execution) == [("trigger", "success"), ("before", "success"), ("w", "waiting")]
    assert scheduled == [((str(execution.execution_id), "w"), 3.0)]
    kinds = [kind for kind, _ in events]
    assert "execution_interrupted" in kinds and "execution_completed" not in kinds
    assert {"execution_id": str(execution.execution_id), "node_id": "w", "status": "waiting"}.items() <= next(
        data for kind, data in events if kind == "node_status" and data.get("status") == "waiting"
    ).items()


def test_resume_continues_after_the_wait_and_runs_every_node_once(user, scheduled, events):
    execution = waiting_run(user)
    resumed = execution_resume_run(execution_id=str(execution.execution_id))
    assert resumed.status == "completed", resumed.error_message
    assert resumed.final_output == {"output": 21}
    assert log_rows(execution) == [
        ("trigger", "success"),
        ("before", "success"),
        ("w", "waiting"),
        ("w", "success"),
        ("after", "success"),
    ]
    kinds = [kind for kind, _ in events]
    assert kinds.index("execution_resumed") < kinds.index("execution_completed")
    assert execution_resume_run(execution_id=str(execution.execution_id)) is None  # a duplicate task


def test_a_cancelled_waiting_run_is_never_resumed(user, scheduled):
    execution = waiting_run(user)
    execution_cancel(execution=execution)
    assert execution_resume_run(execution_id=str(execution.execution_id)) is None
    assert WorkflowExecution.objects.get(pk=execution.pk).status == "cancelled"
    assert ("after", "success") not in log_rows(execution)


def test_the_watchdog_resends_the_resume_of_a_long_overdue_wait_once_per_period(user, scheduled, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from apps.execution.services.pauses import overdue_waits_resend

    sent = []
    monkeypatch.setattr("apps.execution.tasks.resume_execution.delay", lambda *args: sent.append(args))
    execution = waiting_run(user)
    assert overdue_waits_resend(overdue_seconds=60) == []  # due in 3 s: not overdue
    ExecutionLog.objects.filter(execution=execution, status="waiting").update(
        timestamp=timezone.now() - timedelta(seconds=120)
    )
    assert overdue_waits_resend(overdue_seconds=60) == [str(execution.execution_id)]
    assert overdue_waits_resend(overdue_seconds=60) == []  # once per period
    assert sent == [(str(execution.execution_id), "w")]
    resumed = execution_resume_run(execution_id=sent[0][0], node_id=sent[0][1])
    assert resumed.status == "completed"
