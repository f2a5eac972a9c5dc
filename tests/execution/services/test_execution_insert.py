"""The INSERT of a new run, written out (executions._insert), writes what the ORM's save() writes; and
the model keeps nothing that a written-out INSERT would skip (a save() override, save signals)."""

import uuid

import pytest
from django.db import connection, models
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from apps.execution.models import WorkflowExecution
from apps.execution.services import executions
from apps.execution.services.executions import execution_create
from tests.factories import UserFactory, WorkflowExecutionFactory, WorkflowFactory, WorkflowNodeFactory
from tests.support.stored import orm_fields, stored_columns

pytestmark = pytest.mark.django_db

# Columns that differ between two runs created one after the other.
RUN_COLUMNS = {"id", "execution_id", "created_at"}


def orm_insert(execution: WorkflowExecution) -> None:
    execution.save(force_insert=True)


@pytest.fixture
def trigger():
    workflow = WorkflowFactory()
    return WorkflowNodeFactory(workflow=workflow, node_id="hook", component_type="trigger_webhook")


def variants(trigger) -> list[dict]:
    """Every kind of value a trigger passes: JSON past ASCII with nulls and floats, an empty payload,
    a user or none, a parent run (depth), thread and finish channel."""
    parent = WorkflowExecutionFactory(workflow=trigger.workflow, depth=2)
    return [
        {"payload": {"text": "héllo “quoted” ✓", "n": [1, 2.5, None, True], "deep": {"a": {}}}},
        {"payload": {}, "user": UserFactory()},
        {
            "payload": {"x": 1},
            "parent_execution": parent,
            "parent_node_key": "call_child",
            "thread_id": "thread-1",
            "finish_channel": "waiters.abc!def",
        },
    ]


def create(trigger, fields: dict) -> WorkflowExecution:
    return execution_create(
        workflow=trigger.workflow, trigger_node=trigger, execution_id=uuid.uuid4(), enqueue=False, **fields
    )


def field_values(execution) -> dict:
    return orm_fields(WorkflowExecution.objects.filter(pk=execution.pk))[0]


def stored_values(execution) -> list[tuple]:
    return stored_columns(WorkflowExecution, where="id", value=execution.pk, skip=RUN_COLUMNS)


@pytest.mark.parametrize("returning", [True, False], ids=["returning id", "last insert id"])
def test_written_out_insert_stores_what_the_orm_stores(trigger, monkeypatch, returning):
    if not returning and connection.vendor == "postgresql":
        pytest.skip("PostgreSQL always returns the id (psycopg has no lastrowid)")
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", returning)
    for fields in variants(trigger):
        before = timezone.now()
        written_out = create(trigger, fields)
        after = timezone.now()
        with monkeypatch.context() as orm:
            orm.setattr(executions, "_insert", orm_insert)
            by_orm = create(trigger, fields)
        assert written_out.pk is not None and not written_out._state.adding
        assert written_out._state.db == "default"
        stored = WorkflowExecution.objects.get(execution_id=written_out.execution_id)
        assert stored.pk == written_out.pk  # the id read back is the row's
        assert before <= stored.created_at <= after and stored.created_at == written_out.created_at
        mine, theirs = field_values(written_out), field_values(by_orm)
        assert {k: v for k, v in mine.items() if k not in RUN_COLUMNS} == {
            k: v for k, v in theirs.items() if k not in RUN_COLUMNS
        }
        assert stored_values(written_out) == stored_values(by_orm)


def test_the_run_comes_back_as_the_orm_would_return_it(trigger):
    execution = create(trigger, {"payload": {"a": 1}})
    assert execution.status == "pending" and execution.trigger_node_key == "hook"
    assert execution.workflow_id == trigger.workflow_id and execution.depth == 0
    assert execution.trigger_payload == {"a": 1}


def test_nothing_on_the_model_runs_on_save_that_the_written_out_insert_would_skip():
    assert WorkflowExecution.save is models.Model.save, "save() is overridden: write it into _insert"
    assert WorkflowExecution.save_base is models.Model.save_base
    assert not pre_save.has_listeners(WorkflowExecution), "a pre_save receiver: _insert skips it"
    assert not post_save.has_listeners(WorkflowExecution), "a post_save receiver: _insert skips it"


def test_the_guard_sees_a_receiver_when_one_is_connected():
    def receiver(**kwargs):
        pass

    post_save.connect(receiver, sender=WorkflowExecution, weak=False)
    try:
        assert post_save.has_listeners(WorkflowExecution)
    finally:
        post_save.disconnect(receiver, sender=WorkflowExecution)
