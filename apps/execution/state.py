"""WorkflowState: the LangGraph state of one execution, with reducers so parallel branches can write."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langgraph.graph.message import add_messages

# `_state_patch` may not overwrite these.
PROTECTED_KEYS = frozenset(
    {"messages", "node_outputs", "node_results", "trigger", "execution_id", "routes", "halt", "token_usage"}
)


def merge_dicts(left: dict | None, right: dict | None) -> dict:
    if not right:
        return left or {}
    if not left:
        return right
    return {**left, **right}


def last_value(left: Any, right: Any) -> Any:
    return right


def first_halt(left: dict | None, right: dict | None) -> dict | None:
    """The first reason the execution stopped wins (a failure is not overwritten by later skips)."""
    return left or right


def add_usage(left: dict | None, right: dict | None) -> dict:
    """Sum numeric token/cost counters; other values: last one wins."""
    total = dict(left or {})
    for key, value in (right or {}).items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            total[key] = total.get(key, 0) + value
        else:
            total[key] = value
    return total


class WorkflowState(TypedDict, total=False):
    messages: Annotated[list, add_messages]
    trigger: dict[str, Any]
    execution_id: str
    node_outputs: Annotated[dict[str, dict[str, Any]], merge_dicts]
    node_results: Annotated[dict[str, Any], merge_dicts]  # node_id -> NodeResult
    routes: Annotated[dict[str, str], merge_dicts]  # node_id -> route it emitted
    route: Annotated[str, last_value]  # the most recent `_route` (reference compatibility)
    user_context: Annotated[dict[str, Any], merge_dicts]
    variables: Annotated[dict[str, Any], merge_dicts]  # other `_state_patch` keys
    token_usage: Annotated[dict[str, Any], add_usage]
    halt: Annotated[dict[str, Any] | None, first_halt]  # {status, error, error_code, node_id}


def initial_state(*, trigger: dict[str, Any], execution_id: str) -> WorkflowState:
    return WorkflowState(
        messages=[],
        trigger=trigger,
        execution_id=execution_id,
        node_outputs={},
        node_results={},
        routes={},
        route="",
        user_context={},
        variables={},
        token_usage={},
        halt=None,
    )
