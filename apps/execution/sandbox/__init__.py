"""Out-of-process sandbox for the `code` node: limits, empty environment, throw-away cwd, processes
forked from a pristine fork server (default) or taken from a warm pool; one process per snippet, or
per execution inside a `sandbox_session()` (session.py)."""

from apps.execution.sandbox.pool import SandboxPool, get_pool
from apps.execution.sandbox.runner import Limits, SandboxResult, run_snippet
from apps.execution.sandbox.zygote import Zygote, get_zygote

__all__ = ["Limits", "SandboxPool", "SandboxResult", "Zygote", "get_pool", "get_zygote", "run_snippet"]
