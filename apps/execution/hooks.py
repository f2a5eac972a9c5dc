"""What other apps do when an execution finishes (memory episodes, task costs, replies, schedules).

apps.execution must not import the apps above it, so they register here from their AppConfig.ready().
Every hook has a stage (services/executions.py `execution_finished` runs them):

- BEFORE_EVENT: bookkeeping that must be current by the time anyone hears the run finished (the
  circuit breaker's failure count). Keep it to a query or two.
- AFTER_EVENT (default): after the finish event is out, still in the worker's task: a waiting caller
  already has its answer. For database work: a task of its own costs more (~15 ms of worker CPU per
  execution for the hand-over) than these hooks do.
- TASK: slow or outward work (a Telegram reply over HTTP) runs in the `pipelit.execution_after_finish`
  task, so the worker's next run does not wait for it. `applies(execution)` says cheaply whether
  there is anything to do; the task is only sent when some TASK hook applies (or the run failed:
  the error handler starts there too).

A failing hook is logged, never raised: the execution's own outcome is already recorded.
A hook that needs the run's log rows asks `finished_nodes(execution)` first: the worker that finished
the run hands over what it logged when that is all of it, and a hook then need not read them back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

BEFORE_EVENT = "before_event"
AFTER_EVENT = "after_event"
TASK = "task"

FinishHook = Callable[..., None]
_FINISH_HOOKS: list[FinishHook] = []
_STAGES: dict[FinishHook, str] = {}
_APPLIES: dict[FinishHook, Callable[..., bool]] = {}


def on_execution_finished(
    hook: FinishHook | None = None, *, stage: str = AFTER_EVENT, applies: Callable[..., bool] | None = None
):
    """Register `hook(execution)` for `stage`; usable as a decorator. Registering twice is a no-op."""
    if stage not in (BEFORE_EVENT, AFTER_EVENT, TASK):
        raise ValueError(f"unknown finish hook stage {stage!r}")

    def register(fn: FinishHook) -> FinishHook:
        if fn not in _FINISH_HOOKS:
            _FINISH_HOOKS.append(fn)
        _STAGES[fn] = stage
        if applies is not None:
            _APPLIES[fn] = applies
        return fn

    return register(hook) if hook is not None else register


def unregister(hook: FinishHook) -> None:
    """Forget a hook (tests)."""
    if hook in _FINISH_HOOKS:
        _FINISH_HOOKS.remove(hook)
    _STAGES.pop(hook, None)
    _APPLIES.pop(hook, None)


def run_finish_hooks(execution, *, stage: str | None = None) -> None:
    """Every hook (stage=None, in registration order), or those of one stage."""
    for hook in list(_FINISH_HOOKS):
        if stage is not None and _STAGES.get(hook, AFTER_EVENT) != stage:
            continue
        try:
            hook(execution)
        except Exception:
            logger.exception(
                "finish hook %s failed for execution %s", hook.__qualname__, execution.execution_id
            )


def task_hooks_apply(execution) -> bool:
    """Whether some TASK-stage hook has work for this execution (a hook without `applies`: always)."""
    for hook in list(_FINISH_HOOKS):
        if _STAGES.get(hook, AFTER_EVENT) != TASK:
            continue
        applies = _APPLIES.get(hook)
        try:
            if applies is None or applies(execution):
                return True
        except Exception:
            logger.exception("finish hook check %s failed", getattr(applies, "__qualname__", applies))
            return True
    return False


_FINISHED_NODES = "_pipelit_finished_nodes"


def finished_nodes_set(execution, nodes: list) -> None:
    """The finishing worker: `nodes` (reporting.LoggedNode) are every log row of `execution`, in order."""
    setattr(execution, _FINISHED_NODES, nodes)


def finished_nodes(execution) -> list | None:
    """Every log row of `execution` as LoggedNode (node_id, component_type, status, duration_ms), in
    order, when the finishing worker handed them over; None: read `execution.logs`."""
    return getattr(execution, _FINISHED_NODES, None)
