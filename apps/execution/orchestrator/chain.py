"""A light chain in one graph step: the nodes of a plan that is a single path run one after another
inside one LangGraph node, each seeing the state its predecessors left, as if each were a step.

LangGraph's bookkeeping per superstep (planning the next tasks, applying writes, the checkpoint
structure, callbacks) costs more than a quick node itself. A light plan (compiler.py) keeps no
checkpoints, so nothing outside the run can tell one step per node from one step for the chain:
every node is still reported running and finished in order, and the final state is the same,
because each node's update is folded in with the reducers WorkflowState declares.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, get_type_hints

from langchain_core.runnables import RunnableConfig

from apps.execution.state import WorkflowState

Step = Callable[[dict[str, Any], RunnableConfig], dict[str, Any]]

# key -> reducer(left, right), from WorkflowState's Annotated fields; other keys: last write wins.
REDUCERS: Mapping[str, Callable[[Any, Any], Any]] = {
    key: hint.__metadata__[0]
    for key, hint in get_type_hints(WorkflowState, include_extras=True).items()
    if getattr(hint, "__metadata__", None)
}


def fold(target: dict[str, Any], update: Mapping[str, Any]) -> None:
    """Apply a node's `update` to `target` in place, as LangGraph applies it to the state."""
    for key, value in update.items():
        reducer = REDUCERS.get(key)
        target[key] = reducer(target[key], value) if reducer is not None and key in target else value


def make_chain_step(steps: list[Step]) -> Step:
    """One LangGraph node running `steps` in order -> the update of all of them together."""

    def chain(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        seen = dict(state)
        combined: dict[str, Any] = {}
        for step in steps:
            update = step(seen, config)
            if update:
                fold(seen, update)
                fold(combined, update)
        return combined

    chain.__name__ = "chain"
    return chain
