"""Out-of-process sandbox for the `code` node: limits, empty environment, throw-away cwd, warm pool."""

from apps.execution.sandbox.pool import SandboxPool, get_pool
from apps.execution.sandbox.runner import Limits, SandboxResult, run_snippet

__all__ = ["Limits", "SandboxPool", "SandboxResult", "get_pool", "run_snippet"]
