"""What other apps do when an execution finishes (memory episodes, task costs, replies, schedules).

apps.execution must not import the apps above it, so they register here from their AppConfig.ready();
finalisation calls every hook after the finish event is out. A failing hook is logged, never raised:
the execution's own outcome is already recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

FinishHook = Callable[..., None]
_FINISH_HOOKS: list[FinishHook] = []


def on_execution_finished(hook: FinishHook) -> FinishHook:
    """Register `hook(execution)`; usable as a decorator. Registering twice is a no-op."""
    if hook not in _FINISH_HOOKS:
        _FINISH_HOOKS.append(hook)
    return hook


def run_finish_hooks(execution) -> None:
    for hook in list(_FINISH_HOOKS):
        try:
            hook(execution)
        except Exception:
            logger.exception(
                "finish hook %s failed for execution %s", hook.__qualname__, execution.execution_id
            )
