"""ExecutionLog rows written out (reporting.log_rows_insert) are the rows ExecutionLog.objects.bulk_create
writes: read back through the ORM and as stored, column by column."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.execution.models import ExecutionLog
from apps.execution.reporting import LogRow, log_rows_insert
from tests.factories import WorkflowExecutionFactory
from tests.support.stored import orm_fields, stored_columns

pytestmark = pytest.mark.django_db

# Columns that differ between two writes of the same rows: the key and the moment of the write.
WRITE_COLUMNS = {"id", "execution_id", "timestamp"}


def rows_for(execution) -> list[LogRow]:
    """Rows with every kind of value a node result gives: JSON objects, lists, scalars and SQL NULL,
    text past ASCII, aware datetimes in and out of UTC, a missing error code."""
    at = timezone.now().replace(microsecond=123456)
    return [
        LogRow(execution.pk, "trigger", "trigger_webhook", "success", None, {"n": 1}, "", None, {}, at, 0, 0),
        LogRow(
            execution.pk,
            "code_1",
            "code",
            "failed",
            {"text": "héllo “quoted” ✓", "nested": {"list": [1, 2.5, None, True]}},
            None,
            "Traceback: boom",
            "code_error",
            {"duration_ms": 12, "retry_count": 2},
            at.astimezone(ZoneInfo("America/New_York")),
            12,
            2,
        ),
        LogRow(execution.pk, "code_2", "code", "skipped", [1, "two"], "plain text", "", "", None, at, 3, 0),
        LogRow(execution.pk, "code_3", "", "success", 5, [], "", None, {"iteration": 0}, at, 1, 0),
        LogRow(execution.pk, "wait", "wait", "waiting", {}, 0, "", None, {"delay_seconds": 1.5}, at, 0, 0),
    ]


def orm_write(rows: list[LogRow]) -> None:
    ExecutionLog.objects.bulk_create([ExecutionLog(**row._asdict()) for row in rows])


def field_values(execution) -> list[dict]:
    return orm_fields(ExecutionLog.objects.filter(execution=execution))


def stored_values(execution) -> list[tuple]:
    """The columns as the database holds them (text of JSON and datetimes on SQLite), in row order."""
    return stored_columns(ExecutionLog, where="execution", value=execution.pk, skip=WRITE_COLUMNS)


def test_written_out_log_rows_are_the_rows_bulk_create_writes():
    by_orm, written_out = WorkflowExecutionFactory(), WorkflowExecutionFactory()
    before = timezone.now()
    orm_write(rows_for(by_orm))
    log_rows_insert(rows_for(written_out))
    after = timezone.now()
    expected, got = field_values(by_orm), field_values(written_out)
    assert len(got) == len(expected) == 5
    for mine, theirs in zip(got, expected, strict=True):
        assert mine["execution_id"] == written_out.pk
        assert before <= mine["timestamp"] <= after and mine["timestamp"].tzinfo is not None
        assert {k: v for k, v in mine.items() if k not in WRITE_COLUMNS} == {
            k: v for k, v in theirs.items() if k not in WRITE_COLUMNS
        }
    assert stored_values(written_out) == stored_values(by_orm)
    assert got[1]["started_at"] == rows_for(written_out)[1].started_at  # the same instant, any zone
    assert got[0]["input"] is None and got[2]["metadata"] is None  # SQL NULL, as the ORM writes None


def test_more_rows_than_one_statement_takes_are_all_written_in_order():
    execution = WorkflowExecutionFactory()
    at = timezone.now()
    rows = [
        LogRow(execution.pk, f"n{i}", "code", "success", {"i": i}, i, "", None, {}, at, i, 0)
        for i in range(150)
    ]
    log_rows_insert(rows)
    logs = list(ExecutionLog.objects.filter(execution=execution).order_by("id"))
    assert [log.node_id for log in logs] == [f"n{i}" for i in range(150)]
    assert [log.output for log in logs] == list(range(150))


def test_a_naive_start_is_taken_in_the_current_time_zone_as_the_orm_takes_it():
    by_orm, written_out = WorkflowExecutionFactory(), WorkflowExecutionFactory()
    naive = dt.datetime(2026, 1, 2, 3, 4, 5, 6)
    with pytest.warns(RuntimeWarning):
        orm_write([LogRow(by_orm.pk, "n", "code", "success", None, None, "", None, None, naive, 0, 0)])
    with pytest.warns(RuntimeWarning):
        log_rows_insert(
            [LogRow(written_out.pk, "n", "code", "success", None, None, "", None, None, naive, 0, 0)]
        )
    assert stored_values(written_out) == stored_values(by_orm)
