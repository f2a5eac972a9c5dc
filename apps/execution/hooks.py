"""What other apps do when an execution finishes (memory episodes, task costs, replies, schedules).

apps.execution must not import the apps above it, so they register here from their AppConfig.ready().
When a run finishes, the worker records the final status (and runs the few `inline` hooks) and
broadcasts the finish event first; the other hooks then run in a task of their own (`pipelit.execution_after_finish`, services/executions.py), so
neither a waiting caller nor the worker's next run waits for them. A failing hook is logged, never
raised: the execution's own outcome is already recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

FinishHook = Callable[..., None]
_FINISH_HOOKS: list[FinishHook] = []
_INLINE: set[FinishHook] = set()


def on_execution_finished(hook: FinishHook | None = None, *, inline: bool = False):
    """Register `hook(execution)`; usable as a decorator. Registering twice is a no-op.

    `inline=True`: bookkeeping that must be current by the time anyone hears the run finished (the
    circuit breaker's failure count); it runs in the finalising step itself, before the finish event.
    Keep such hooks to a query or two."""

    def register(fn: FinishHook) -> FinishHook:
        if fn not in _FINISH_HOOKS:
            _FINISH_HOOKS.append(fn)
        if inline:
            _INLINE.add(fn)
        return fn

    return register(hook) if hook is not None else register


def run_finish_hooks(execution, *, inline: bool | None = None) -> None:
    """Every hook (inline=None), only the inline ones (True), or only the others (False)."""
    for hook in list(_FINISH_HOOKS):
        if inline is not None and (hook in _INLINE) != inline:
            continue
        try:
            hook(execution)
        except Exception:
            logger.exception(
                "finish hook %s failed for execution %s", hook.__qualname__, execution.execution_id
            )
