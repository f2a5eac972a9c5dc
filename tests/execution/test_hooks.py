"""Finish hooks: inline ones run in the finalising step, the others in the after-finish task."""

import pytest

from apps.execution import hooks
from tests.factories import WorkflowExecutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded():
    calls = []

    def inline_hook(execution):
        calls.append("inline")

    def later_hook(execution):
        calls.append("later")

    hooks.on_execution_finished(inline_hook, inline=True)
    hooks.on_execution_finished(later_hook)
    yield calls
    hooks._FINISH_HOOKS.remove(inline_hook)
    hooks._FINISH_HOOKS.remove(later_hook)
    hooks._INLINE.discard(inline_hook)


def test_inline_and_later_hooks_run_apart_and_all_together(recorded):
    execution = WorkflowExecutionFactory(status="completed")
    hooks.run_finish_hooks(execution, inline=True)
    assert recorded == ["inline"]
    hooks.run_finish_hooks(execution, inline=False)
    assert recorded == ["inline", "later"]
    hooks.run_finish_hooks(execution)
    assert recorded == ["inline", "later", "inline", "later"]


def test_on_execution_finished_works_as_a_decorator_with_options(recorded):
    @hooks.on_execution_finished(inline=True)
    def decorated(execution):
        recorded.append("decorated")

    try:
        hooks.run_finish_hooks(WorkflowExecutionFactory(status="failed"), inline=True)
    finally:
        hooks._FINISH_HOOKS.remove(decorated)
        hooks._INLINE.discard(decorated)
    assert recorded == ["inline", "decorated"]
