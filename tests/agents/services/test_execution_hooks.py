"""When an execution finishes, the agents app logs an episode and charges linked tasks."""

from decimal import Decimal

import pytest

from apps.agents.models import MemoryEpisode, Task
from apps.execution.hooks import run_finish_hooks
from tests.factories import EpicFactory, TaskFactory, WorkflowExecutionFactory

pytestmark = pytest.mark.django_db


def test_finish_hooks_log_one_episode_and_charge_the_linked_task_once():
    epic = EpicFactory(budget_tokens=10_000)
    execution = WorkflowExecutionFactory(
        status="completed",
        total_tokens=120,
        total_cost_usd=Decimal("0.0030"),
        trigger_payload={"text": "hi"},
        final_output={"output": "hello"},
    )
    task = TaskFactory(epic=epic, execution=execution)
    run_finish_hooks(execution)
    run_finish_hooks(execution)  # a second finalisation (e.g. after a resume) must not double count
    assert MemoryEpisode.objects.filter(execution=execution).count() == 1
    task = Task.objects.get(pk=task.pk)
    epic.refresh_from_db()
    assert task.actual_tokens == 120
    assert epic.spent_tokens == 120
    assert epic.spent_usd == Decimal("0.0030")


def test_a_failing_hook_is_logged_and_does_not_stop_the_others(caplog):
    from apps.execution import hooks

    calls = []

    def broken(execution):
        raise RuntimeError("boom")

    def recorder(execution):
        calls.append(execution.pk)

    hooks.on_execution_finished(broken)
    hooks.on_execution_finished(recorder)
    try:
        execution = WorkflowExecutionFactory()
        run_finish_hooks(execution)
    finally:
        hooks._FINISH_HOOKS.remove(broken)
        hooks._FINISH_HOOKS.remove(recorder)
    assert calls == [execution.pk]
    assert "finish hook" in caplog.text
