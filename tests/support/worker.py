"""Helpers for tests that wait on background work without sleeping blindly."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def wait_until(
    predicate: Callable[[], object], timeout: float = 20, interval: float = 0.05, message: str = ""
):
    """Return the first truthy value of `predicate()`, or fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(message or f"condition not met within {timeout}s")
        time.sleep(interval)
