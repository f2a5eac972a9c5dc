"""Test-only node types for engine tests (registered per test, then removed)."""

from __future__ import annotations

import threading
import time

import pytest

from apps.execution.orchestrator import compiler
from apps.execution.results import NodeError
from apps.workflows import registry
from apps.workflows.registry import Category, node_type

STEP_CALLS: list = []
_attempts: dict[tuple[str, str], int] = {}
_lock = threading.Lock()


def _step(ctx) -> dict:
    """Config-driven behaviour: sleep, fail_times (+error_code, retryable), return (raw dict) or value."""
    config = ctx.config
    with _lock:
        key = (ctx.execution_id, ctx.node_id)
        _attempts[key] = attempt = _attempts.get(key, 0) + 1
        STEP_CALLS.append(ctx)
    if config.get("sleep"):
        time.sleep(float(config["sleep"]))
    if attempt <= int(config.get("fail_times", 0)):
        raise NodeError(
            f"planned failure {attempt}",
            config.get("error_code", "planned"),
            retryable=config.get("retryable", True),
        )
    if config.get("raise"):
        raise ValueError(config["raise"])
    if "return" in config:
        return config["return"]
    return {"output": config.get("value", ctx.input), "seen": list(ctx.inputs)}


@pytest.fixture
def step_types():
    """Registers `t_step` (see _step), `t_model` (a sub-component) and `t_static` (not executable)."""
    STEP_CALLS.clear()
    _attempts.clear()
    node_type("t_step", display_name="Test step", category=Category.LOGIC)(_step)
    node_type("t_join", display_name="Test join", category=Category.LOGIC, fan_in=True)(_step)
    node_type("t_route", display_name="Test router", category=Category.LOGIC, routes=True)(_step)
    node_type("t_model", display_name="Test model", category=Category.SUB_COMPONENT, is_sub_component=True)(
        None
    )
    node_type("t_static", display_name="Test static", category=Category.LOGIC, executable=False)(None)
    compiler.clear_cache()
    yield STEP_CALLS
    for name in ("t_step", "t_join", "t_route", "t_model", "t_static"):
        registry.unregister(name)
    compiler.clear_cache()
