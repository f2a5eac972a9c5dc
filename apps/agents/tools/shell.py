"""`run_command` and `code_execute`: agent tools that run in the engine's sandbox, in the workflow's
workspace directory (see apps/agents/workspaces.py and apps/execution/sandbox/commands.py).

Failures answer the model with an error text (ToolException + handle_tool_error), never crash the
agent: a timeout, a broken sandbox, a security violation. A non-zero exit code is a normal result.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from langchain_core.tools import StructuredTool, ToolException

MAX_RESULT_CHARS = 50_000  # run_command: longer results keep the first and last 25,000 characters
RUN_COMMAND_TIMEOUT = 300
CODE_TIMEOUT = 30
LANGUAGES = ("python", "bash")

PYTHON_FORBIDDEN = [
    (r"^\s*import\s+(os|subprocess|shutil)\b", "import of {0}"),
    (r"^\s*from\s+(os|subprocess|shutil)\b.*\bimport\b", "import from {0}"),
    (r"\b(__import__|eval|exec|compile)\s*\(", "call to {0}()"),
    (r"\bopen\s*\(\s*['\"](/etc|/proc|/sys|/dev)\b", "open() of {0}"),
]
BASH_FORBIDDEN = [
    (r"\brm\s+-[a-zA-Z]*r[a-zA-Z]*f?[a-zA-Z]*\s+(/|~|\$HOME)(\s|$)", "rm -rf of {0}"),
    (r"\bdd\b[^\n]*\bof=/dev/", "dd to a device"),
    (r"\bmkfs\.", "mkfs"),
    (r">\s*/(etc|dev)/", "write to /{0}/"),
    (r"\b(curl|wget)\b[^\n|]*\|\s*(ba|z)?sh\b", "piped remote execution"),
    (r"\bchmod\s+(-R\s+)?777\b", "chmod 777"),
]


def _context():
    from apps.agents.tool_calls import current_call

    call = current_call.get()
    if call is None:
        raise ToolException("Error: this tool runs only inside an agent's execution")
    return call


def _sandboxed(argv: list[str], timeout: float):
    from apps.agents.workspaces import hidden_paths, workspace_for
    from apps.execution.sandbox.commands import CommandLimits, run_command

    workspace = workspace_for(_context().workflow_slug)
    limits = CommandLimits(timeout_seconds=timeout)
    result = run_command(
        argv, workspace=workspace.path, uid=workspace.uid, limits=limits, hidden=hidden_paths()
    )
    if result.error:
        raise ToolException(f"Error: sandbox failed: {result.error}")
    return result


def _bounded(value: Any, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return default


def truncate_middle(text: str, limit: int = MAX_RESULT_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    cut = len(text) - 2 * half
    return f"{text[:half]}\n\n... [{cut} characters truncated] ...\n\n{text[-half:]}"


def format_command_result(stdout: str, stderr: str, exit_code: int | None) -> str:
    parts = [stdout.rstrip("\n")] if stdout.strip() else []
    if stderr.strip():
        parts.append("STDERR:\n" + stderr.rstrip("\n"))
    text = "\n".join(parts) or "(no output)"
    if exit_code:
        text += f"\n[exit code: {exit_code}]"
    return truncate_middle(text)


def run_command_tool(extra_config: dict[str, Any] | None = None) -> StructuredTool:
    timeout = _bounded((extra_config or {}).get("timeout"), RUN_COMMAND_TIMEOUT, 1, 3600)

    def run_command(command: str) -> str:
        if not (command or "").strip():
            raise ToolException("Error: the command is empty")
        result = _sandboxed(["/bin/sh", "-c", command], timeout)
        if result.timed_out:
            raise ToolException(f"Error: command timed out after {timeout} seconds")
        return format_command_result(result.stdout, result.stderr, result.exit_code)

    return StructuredTool.from_function(
        func=run_command,
        name="run_command",
        description=(
            "Run a shell command in the workflow's sandboxed workspace (files there persist between "
            "runs; no network). Returns stdout, then stderr after 'STDERR:', and the exit code if non-zero."
        ),
        handle_tool_error=True,
    )


def security_violation(code: str, language: str) -> str | None:
    """What the blocklist forbids in `code` (the reference's patterns), or None."""
    patterns = PYTHON_FORBIDDEN if language == "python" else BASH_FORBIDDEN
    for pattern, message in patterns:
        match = re.search(pattern, code, re.MULTILINE)
        if match:
            return message.format(*(match.groups() or ("",)))
    return None


def format_code_result(stdout: str, stderr: str, exit_code: int | None) -> str:
    lines = [f"stdout:\n{stdout.rstrip()}", f"stderr:\n{stderr.rstrip()}", f"exit_code: {exit_code}"]
    last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    with contextlib.suppress(ValueError):
        lines.append(f"result: {json.dumps(json.loads(last))}")
    return truncate_middle("\n".join(lines))


def code_execute_tool(extra_config: dict[str, Any] | None = None) -> StructuredTool:
    config = extra_config or {}
    default_language = config.get("language") if config.get("language") in LANGUAGES else "python"
    timeout = _bounded(config.get("timeout_seconds"), CODE_TIMEOUT, 1, 300)
    scan = config.get("sandbox", True) is not False

    def code_execute(code: str, language: str = "") -> str:
        language = (language or default_language).lower()
        if language not in LANGUAGES:
            raise ToolException(f"Error: unsupported language {language!r} (python or bash)")
        violation = security_violation(code, language) if scan else None
        if violation:
            raise ToolException(f"Security violation: {violation}")
        argv = ["python3", "-I", "-c", code] if language == "python" else ["/bin/bash", "-e", "-c", code]
        result = _sandboxed(argv, timeout)
        if result.timed_out:
            raise ToolException(f"Execution timed out after {timeout} seconds")
        return format_code_result(result.stdout, result.stderr, result.exit_code)

    return StructuredTool.from_function(
        func=code_execute,
        name="code_execute",
        description=(
            "Execute Python (default) or Bash code in a sandbox with the workflow's workspace as the "
            "working directory. Returns stdout, stderr, the exit code and the last line parsed as JSON."
        ),
        handle_tool_error=True,
    )
