"""run_command: one shell command in the sandbox (fork server child), in a workspace directory.

The child that runs it is the same kind the `code` node uses: empty network namespace, rlimits (CPU,
memory, files, file size, processes), an empty environment plus PATH/HOME/TMPDIR/LANG, and -- as
root -- a uid of its own (one per workspace) and a mount namespace in which the project, its data and
every other workspace are hidden and /tmp is private. With bubblewrap installed (`/usr/bin/bwrap`)
the command additionally runs under `bwrap --unshare-all` with a read-only system and the workspace
at /workspace.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apps.execution.sandbox.runner import _run_forked
from apps.execution.sandbox.zygote import ZygoteError

BWRAP = "/usr/bin/bwrap"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BACKSTOP_SECONDS = 5.0  # the child enforces the timeout itself; the worker kills it this much later


@dataclass(frozen=True)
class CommandLimits:
    timeout_seconds: float = 30.0
    memory_mb: int = 1024
    max_processes: int = 64
    max_open_files: int = 256
    max_file_mb: int = 256
    max_output_bytes: int = 50_000  # per stream; the middle of a longer stream is cut

    def for_child(self, uid: int | None) -> dict[str, int]:
        limits = {
            "cpu_seconds": max(1, int(self.timeout_seconds) + 1),
            "memory_bytes": self.memory_mb * 1024 * 1024,
            "max_open_files": self.max_open_files,
            "max_file_bytes": self.max_file_mb * 1024 * 1024,
        }
        if os.geteuid() == 0:  # RLIMIT_NPROC counts the user's processes: only safe for a uid of our own
            limits["max_processes"] = self.max_processes
            if uid is not None:
                limits["uid"] = uid
        return limits


@dataclass(frozen=True)
class CommandResult:
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    error: str = ""  # the sandbox itself failed (not the command)
    duration_ms: float = 0.0
    isolation: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error and not self.timed_out and self.exit_code == 0


def bwrap_available() -> bool:
    return os.access(BWRAP, os.X_OK)


def sandbox_mode() -> str:
    """`bwrap` when bubblewrap is installed, else `rlimit` (the rlimited, isolated process alone)."""
    return "bwrap" if bwrap_available() else "rlimit"


def bwrap_argv(argv: list[str], workspace: Path) -> list[str]:
    """`argv` under bubblewrap: new namespaces, read-only system dirs, the workspace at /workspace."""
    wrapped = [BWRAP, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    for path in ("/usr", "/bin", "/lib", "/lib64", "/sbin", "/etc/alternatives"):
        wrapped += ["--ro-bind-try", path, path]
    wrapped += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    wrapped += ["--bind", str(workspace), "/workspace", "--chdir", "/workspace"]
    for key, value in command_env("/workspace").items():
        wrapped += ["--setenv", key, value]
    return [*wrapped, *argv]


def command_env(home: str) -> dict[str, str]:
    return {"PATH": PATH, "HOME": home, "TMPDIR": "/tmp", "LANG": "C.UTF-8"}


def run_command(
    argv: list[str],
    *,
    workspace: Path,
    limits: CommandLimits | None = None,
    uid: int | None = None,
    hidden: tuple[str, ...] = (),
) -> CommandResult:
    """Run `argv` with `workspace` as its working directory. Never raises for the command's own
    failures: a non-zero exit, a timeout or a broken sandbox come back in the result."""
    limits = limits or CommandLimits()
    mode = sandbox_mode()
    request = {
        "kind": "command",
        "argv": bwrap_argv(argv, workspace) if mode == "bwrap" else argv,
        "env": {} if mode == "bwrap" else command_env(str(workspace)),
        "workspace": str(workspace),
        "hidden": sorted({str(p) for p in hidden}, key=len),
        "timeout": limits.timeout_seconds,
        "max_output_bytes": limits.max_output_bytes,
        "limits": limits.for_child(uid),
    }
    started = time.perf_counter()
    try:
        answer, timed_out, too_big, _, _ = _run_forked(
            json.dumps(request).encode() + b"\n", limits.timeout_seconds + BACKSTOP_SECONDS
        )
    except ZygoteError as exc:
        return CommandResult(error=f"sandbox unavailable: {exc}")
    elapsed = round((time.perf_counter() - started) * 1000, 3)
    if timed_out:
        return CommandResult(timed_out=True, duration_ms=elapsed, isolation={"mode": mode})
    if too_big:
        return CommandResult(error="command output exceeds the sandbox's size limit", duration_ms=elapsed)
    return _decode(answer, elapsed, mode)


def _decode(response: dict[str, Any] | str | None, elapsed: float, mode: str) -> CommandResult:
    """`response`: the child's answer as runner._parse gives it."""
    if not isinstance(response, dict):
        return CommandResult(error="the sandbox process ended without a result", duration_ms=elapsed)
    isolation = {
        "mode": mode,
        "network_isolated": bool(response.get("network_isolated")),
        "filesystem_isolated": bool(response.get("filesystem_isolated")),
    }
    if not response.get("ok"):
        message = response.get("error") or "command failed to start"
        return CommandResult(error=str(message), duration_ms=elapsed, isolation=isolation)
    output = response.get("output") or {}
    return CommandResult(
        exit_code=output.get("exit_code"),
        stdout=response.get("stdout", ""),
        stderr=response.get("stderr", ""),
        timed_out=bool(output.get("timed_out")),
        duration_ms=elapsed,
        isolation=isolation,
    )


def which(name: str) -> str | None:
    """Where `name` is on the sandbox's PATH (for the tools' interpreters)."""
    return shutil.which(name, path=PATH)
