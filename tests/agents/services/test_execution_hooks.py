"""When an execution finishes, the agents app logs an episode and charges linked tasks."""

from decimal import Decimal

import pytest

from apps.agents.models import MemoryEpisode, Task, TaskExecutionCost
from apps.execution import hooks
from apps.execution.hooks import run_finish_hooks
from apps.execution.services.executions import execution_create, execution_run
from tests.execution.builders import code_chain
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


def _run(user, count=2):
    workflow = code_chain(owner=user, count=count)
    trigger = workflow.nodes.get(node_id="trigger")
    created = execution_create(
        workflow=workflow, trigger_node=trigger, payload={"text": "go"}, user=user, enqueue=False
    )
    return execution_run(execution_id=str(created.execution_id), worker="test@local")


def test_a_run_episode_lists_its_nodes_as_its_logs_do_from_what_the_worker_handed_over(user):
    execution = _run(user)
    assert execution.status == "completed", execution.error_message
    assert hooks.finished_nodes(execution) is not None  # the hooks did not need to read the logs
    episode = MemoryEpisode.objects.get(execution=execution)
    logs = execution.logs.order_by("id")
    assert episode.actions_taken == [
        {
            "node_id": log.node_id,
            "component_type": log.component_type,
            "status": log.status,
            "duration_ms": log.duration_ms,
        }
        for log in logs
    ]
    assert [a["node_id"] for a in episode.actions_taken] == ["trigger", "code_1", "code_2"]


def test_refreshing_an_episode_keeps_its_id_created_at_and_feedback():
    from apps.agents.services import episode_log_for_execution

    execution = WorkflowExecutionFactory(status="completed", final_output={"output": "ok"})
    first = episode_log_for_execution(execution=execution)
    MemoryEpisode.objects.filter(pk=first.pk).update(feedback_rating=1, feedback_comment="good")
    execution.status = "failed"
    again = episode_log_for_execution(execution=execution)
    stored = MemoryEpisode.objects.get(execution=execution)
    assert again.pk == first.pk == stored.pk and again.created_at == first.created_at == stored.created_at
    assert stored.success is False and stored.feedback_rating == 1 and stored.feedback_comment == "good"


def test_a_run_no_task_links_charges_nothing_and_its_hooks_cost_two_statements(
    user, django_assert_num_queries
):
    execution = _run(user)
    MemoryEpisode.objects.all().delete()
    # the episode's INSERT and the check for a linked task; the schedule and agent hooks read nothing
    with django_assert_num_queries(2):
        run_finish_hooks(execution, stage=hooks.AFTER_EVENT)
    assert MemoryEpisode.objects.filter(execution=execution).count() == 1
    assert not TaskExecutionCost.objects.exists()


def test_a_task_linked_while_the_run_ran_is_charged_when_it_finishes(user):
    epic = EpicFactory(budget_tokens=10_000)
    execution = _run(user)
    task = TaskFactory(epic=epic, execution=execution)
    execution.total_tokens = 40
    run_finish_hooks(execution, stage=hooks.AFTER_EVENT)
    assert Task.objects.get(pk=task.pk).actual_tokens == 40
