"""The final UPDATE of a run, written out (executions._finalize_update), writes what the ORM's update()
writes; and a finished run touches its cancel flag only when a cancel did land."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.execution import cancel_flags
from apps.execution.models import ExecutionStatus, WorkflowExecution
from apps.execution.orchestrator.outcome import RunOutcome
from apps.execution.services import executions
from apps.execution.services.executions import execution_cancel, execution_finalize
from tests.factories import WorkflowExecutionFactory
from tests.support.stored import orm_fields, stored_columns

pytestmark = pytest.mark.django_db

# Columns that differ between two runs made one after the other, whatever the finalisation.
RUN_COLUMNS = {"id", "execution_id", "created_at"}


def running(**fields) -> WorkflowExecution:
    started = timezone.now() - timedelta(seconds=2)
    return WorkflowExecutionFactory(status="running", started_at=started, heartbeat_at=started, **fields)


def field_values(execution) -> dict:
    return orm_fields(WorkflowExecution.objects.filter(pk=execution.pk))[0]


def stored_values(execution) -> list[tuple]:
    return stored_columns(WorkflowExecution, where="id", value=execution.pk, skip=RUN_COLUMNS)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "completed", "final_output": {"output": "héllo ✓", "n": [1, 2.5, None]}},
        {"status": "completed", "final_output": None},
        {"status": "completed", "final_output": "plain text", "total_cost_usd": Decimal("0.001234")},
        {"status": "completed", "final_output": [], "total_tokens": 1200, "llm_calls": 3},
        {"status": "failed", "final_output": None, "error_message": "boom", "error_code": "code_error"},
        {"status": "cancelled", "final_output": 0, "total_cost_usd": Decimal("12.5")},
    ],
)
def test_the_written_out_final_update_writes_what_the_orm_writes(fields):
    workflow = WorkflowExecutionFactory().workflow
    by_orm, written_out = running(workflow=workflow), running(workflow=workflow)
    started = by_orm.started_at
    WorkflowExecution.objects.filter(pk=written_out.pk).update(started_at=started, heartbeat_at=started)
    completed = timezone.now()
    final = {
        "status": ExecutionStatus(fields["status"]),
        "final_output": fields["final_output"],
        "error_message": fields.get("error_message", ""),
        "error_code": fields.get("error_code", ""),
        "completed_at": completed,
        "duration_ms": 2000,
        "total_tokens": fields.get("total_tokens", 0),
        "total_cost_usd": fields.get("total_cost_usd", Decimal("0")),
        "llm_calls": fields.get("llm_calls", 0),
    }
    assert WorkflowExecution.objects.filter(pk=by_orm.pk, status="running").update(**final) == 1
    assert executions._finalize_update(written_out.pk, final) is True
    expected, got = field_values(by_orm), field_values(written_out)
    assert {k: v for k, v in got.items() if k not in RUN_COLUMNS} == {
        k: v for k, v in expected.items() if k not in RUN_COLUMNS
    }
    assert stored_values(written_out) == stored_values(by_orm)
    assert got["completed_at"] == completed


def test_the_final_update_leaves_a_run_that_is_no_longer_running():
    execution = WorkflowExecutionFactory(status="cancelled")
    before = field_values(execution)
    final = {
        "status": ExecutionStatus.COMPLETED,
        "final_output": {"output": 1},
        "error_message": "",
        "error_code": "",
        "completed_at": timezone.now(),
        "duration_ms": 1,
        "total_tokens": 0,
        "total_cost_usd": Decimal("0"),
        "llm_calls": 0,
    }
    assert executions._finalize_update(execution.pk, final) is False
    assert field_values(execution) == before


def test_a_run_that_finishes_first_asks_nothing_of_its_cancel_flag(monkeypatch):
    cleared = []
    monkeypatch.setattr(cancel_flags, "clear", cleared.append)
    execution = running()
    done = execution_finalize(
        execution=execution, outcome=RunOutcome(status="completed", final_output={"a": 1})
    )
    assert done.status == "completed" and cleared == []
    assert field_values(execution)["final_output"] == {"a": 1}


def test_a_run_cancelled_while_it_ran_keeps_cancelled_and_its_flag_is_cleared(
    django_capture_on_commit_callbacks,
):
    execution = running()
    with django_capture_on_commit_callbacks(execute=True):
        execution_cancel(execution=execution)
    assert cancel_flags.is_cancel_requested(execution.execution_id)
    done = execution_finalize(
        execution=execution, outcome=RunOutcome(status="completed", final_output={"a": 1})
    )
    assert done.status == "cancelled" and done.final_output is None
    assert not cancel_flags.is_cancel_requested(execution.execution_id)
