"""Finish hooks run by stage: before the finish event, after it, or in the after-finish task."""

import pytest

from apps.execution import hooks
from apps.execution.services.executions import execution_finished
from tests.factories import WorkflowExecutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded():
    calls = []
    registered = []

    def add(name, **options):
        def hook(execution):
            calls.append(name)

        hook.__qualname__ = name
        hooks.on_execution_finished(hook, **options)
        registered.append(hook)

    yield calls, add
    for hook in registered:
        hooks.unregister(hook)


@pytest.fixture
def sent(monkeypatch):
    ids = []
    monkeypatch.setattr(
        "apps.execution.tasks.execution_after_finish_task.delay",
        lambda execution_id: ids.append(execution_id),
    )
    return ids


def test_each_stage_runs_apart_and_none_runs_them_all_in_order(recorded):
    calls, add = recorded
    add("before", stage=hooks.BEFORE_EVENT)
    add("after")
    add("task", stage=hooks.TASK)
    execution = WorkflowExecutionFactory(status="completed")
    hooks.run_finish_hooks(execution, stage=hooks.TASK)
    hooks.run_finish_hooks(execution, stage=hooks.BEFORE_EVENT)
    assert calls == ["task", "before"]
    calls.clear()
    hooks.run_finish_hooks(execution)
    assert calls == ["before", "after", "task"]


def test_an_unknown_stage_is_refused():
    with pytest.raises(ValueError):
        hooks.on_execution_finished(lambda execution: None, stage="later")


def test_the_task_is_sent_only_when_a_task_hook_applies_or_the_run_failed(
    recorded, sent, django_capture_on_commit_callbacks
):
    calls, add = recorded
    add("before", stage=hooks.BEFORE_EVENT)
    add("after")
    add(
        "reply",
        stage=hooks.TASK,
        applies=lambda execution: execution.trigger_payload.get("reply") is not None,
    )
    plain = WorkflowExecutionFactory(status="completed", trigger_payload={})
    with django_capture_on_commit_callbacks(execute=True):
        execution_finished(execution=plain)
    assert calls == ["before", "after"] and sent == []  # nothing for the task: no hand-over paid

    wants_reply = WorkflowExecutionFactory(status="completed", trigger_payload={"reply": 1})
    failed = WorkflowExecutionFactory(status="failed", trigger_payload={})
    with django_capture_on_commit_callbacks(execute=True):
        execution_finished(execution=wants_reply)
        execution_finished(execution=failed)
    assert sent == [str(wants_reply.execution_id), str(failed.execution_id)]
    assert "reply" not in calls  # the task runs it, not the finishing worker
