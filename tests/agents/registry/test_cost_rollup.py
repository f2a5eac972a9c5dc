"""Costs roll up from executions to tasks to epics, once per execution, consistently under concurrency."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from apps.agents import services
from apps.agents.models import Epic, Task
from tests.factories import EpicFactory, WorkflowExecutionFactory


@pytest.mark.django_db
def test_two_executions_roll_up_to_the_task_and_the_epic():
    epic = EpicFactory(status="active")
    task = services.task_create(epic=epic, title="work")
    sibling = services.task_create(epic=epic, title="other")
    first = WorkflowExecutionFactory(total_tokens=1200, total_cost_usd=Decimal("0.012"), llm_calls=2)
    second = WorkflowExecutionFactory(total_tokens=800, total_cost_usd=Decimal("0.008"), llm_calls=1)
    third = WorkflowExecutionFactory(total_tokens=50, total_cost_usd=Decimal("0.0005"), llm_calls=1)
    services.task_record_execution_cost(task=task, execution=first)
    task = services.task_record_execution_cost(task=task, execution=second)
    services.task_record_execution_cost(task=sibling, execution=third)
    assert task.actual_tokens == 2000 and task.actual_usd == Decimal("0.02") and task.llm_calls == 3
    assert task.execution_id == second.pk
    epic.refresh_from_db()
    assert epic.spent_tokens == 2050 and epic.spent_usd == Decimal("0.0205")


@pytest.mark.django_db
def test_recording_an_execution_again_applies_only_the_difference():
    epic = EpicFactory()
    task = services.task_create(epic=epic, title="work")
    execution = WorkflowExecutionFactory(total_tokens=100, total_cost_usd=Decimal("0.001"))
    services.task_record_execution_cost(task=task, execution=execution)
    services.task_record_execution_cost(task=task, execution=execution)
    execution.total_tokens, execution.total_cost_usd = 150, Decimal("0.0015")  # resumed and finished later
    execution.save()
    task = services.task_record_execution_cost(task=task, execution=execution)
    assert task.actual_tokens == 150 and task.actual_usd == Decimal("0.0015")
    assert Epic.objects.get(pk=epic.pk).spent_tokens == 150


@pytest.mark.django_db
def test_agent_overhead_is_kept_apart_from_task_spend():
    epic = EpicFactory()
    task = services.task_create(epic=epic, title="work")
    services.task_record_execution_cost(task=task, execution=WorkflowExecutionFactory(total_tokens=10))
    services.epic_record_agent_overhead(epic=epic, tokens=5, usd=Decimal("0.001"))
    epic = services.epic_record_agent_overhead(epic=epic, tokens=7, usd=Decimal("0.002"))
    assert epic.agent_overhead_tokens == 12 and epic.agent_overhead_usd == Decimal("0.003")
    assert epic.spent_tokens == 10


@pytest.mark.django_db
def test_deleting_a_task_drops_its_cost_from_the_epic():
    epic = EpicFactory()
    keep, drop = services.task_create(epic=epic, title="keep"), services.task_create(epic=epic, title="drop")
    services.task_record_execution_cost(task=keep, execution=WorkflowExecutionFactory(total_tokens=10))
    services.task_record_execution_cost(task=drop, execution=WorkflowExecutionFactory(total_tokens=90))
    services.task_delete(task=drop)
    epic.refresh_from_db()
    assert epic.spent_tokens == 10 and epic.total_tasks == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_cost_records_and_task_updates_keep_epic_totals_exact():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serializes every writer anyway")
    epic = EpicFactory(status="active")
    tasks = [services.task_create(epic=epic, title=f"t{i}") for i in range(4)]
    executions = [
        WorkflowExecutionFactory(total_tokens=100, total_cost_usd=Decimal("0.01")) for _ in range(16)
    ]
    errors = []

    def record(task, chunk):
        try:
            for execution in chunk:
                services.task_record_execution_cost(task=task, execution=execution)
            services.task_update(task=task, changes={"status": "running"})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=record, args=(task, executions[i * 4 : (i + 1) * 4]))
        for i, task in enumerate(tasks)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    epic.refresh_from_db()
    assert epic.spent_tokens == 1600 and epic.spent_usd == Decimal("0.16")
    assert sum(t.actual_tokens for t in Task.objects.filter(epic=epic)) == 1600
    assert epic.total_tasks == 4
