"""run_snippet: run one Python snippet in a warm sandbox process under limits; structured results."""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from apps.execution.sandbox.pool import SandboxPool, get_pool, readable
from apps.execution.sandbox.session import Session, current_session
from apps.execution.sandbox.zygote import ZygoteError, get_forked_pool, kill_child

MODE = os.environ.get("PIPELIT_SANDBOX_MODE", "forkserver")  # or "pool"

MAX_RESPONSE_BYTES = 4_000_000
TIMEOUT = "timeout"
MEMORY_LIMIT = "memory_limit"
RUNTIME_ERROR = "runtime_error"
INVALID_OUTPUT = "invalid_output"
SANDBOX_ERROR = "sandbox_error"
READY = b"ready"  # a cold process announces itself before answering
SIGXCPU = 24
SIGKILL = 9


@dataclass(frozen=True)
class Limits:
    timeout_seconds: float = 10.0  # wall clock
    cpu_seconds: int | None = None  # default: ceil(timeout_seconds)
    memory_mb: int = 256
    max_open_files: int = 32
    max_file_mb: int = 16
    max_processes: int = 1  # no fork/threads beyond the snippet's own process (when dropped to nobody)

    def for_child(self) -> dict[str, int]:
        return {
            "cpu_seconds": self.cpu_seconds or max(1, math.ceil(self.timeout_seconds)),
            "memory_bytes": self.memory_mb * 1024 * 1024,
            "max_open_files": self.max_open_files,
            "max_file_bytes": self.max_file_mb * 1024 * 1024,
            "max_processes": self.max_processes,
        }


@dataclass(frozen=True)
class SandboxResult:
    ok: bool
    output: Any = None
    stdout: str = ""
    error: str = ""
    error_code: str | None = None
    traceback: str = ""
    duration_ms: float = 0.0
    cold_start: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def run_snippet(
    code: str,
    variables: dict[str, Any] | None = None,
    *,
    variables_json: str | None = None,
    limits: Limits | None = None,
    pool: SandboxPool | None = None,
) -> SandboxResult:
    """Run `code` with `variables` as globals; `result` (or stdout) is the output. Never raises for
    snippet misbehaviour: timeouts, memory, errors and bad output come back as failed results.
    `variables_json`, instead of `variables`: them already encoded, a JSON object (trusted as such).

    Backend: the fork server (default) or, when `pool` is given or PIPELIT_SANDBOX_MODE=pool, a warm
    pool of pre-started interpreters. Both run each snippet in a process of its own.
    """
    limits = limits or Limits()
    started = time.perf_counter()
    limits_json = json.dumps(limits.for_child())  # also the key of a session's idle children
    try:
        if variables_json is None:
            variables_json = json.dumps(variables or {}, default=str)
        request = (
            f'{{"code": {json.dumps(code)}, "variables": {variables_json}, "limits": {limits_json}}}\n'
        ).encode()
    except (TypeError, ValueError) as exc:
        return SandboxResult(
            ok=False, error=f"inputs are not JSON-serialisable: {exc}", error_code=INVALID_OUTPUT
        )
    if pool is None and MODE == "forkserver":
        try:
            answer, timed_out, too_big, returncode, cold = _run_forked(
                request, limits.timeout_seconds, current_session(), limits_json
            )
            backend = "forkserver"
        except ZygoteError:
            pool = get_pool()
    if pool is not None or MODE != "forkserver":
        raw, timed_out, too_big, returncode, cold = _run_pooled(
            pool or get_pool(), request, limits.timeout_seconds
        )
        answer = _parse(raw)
        backend = "pool"
    elapsed = round((time.perf_counter() - started) * 1000, 3)
    common = {"duration_ms": elapsed, "cold_start": cold, "extra": {"backend": backend}}
    if timed_out:
        return SandboxResult(
            ok=False, error=f"snippet exceeded {limits.timeout_seconds:g}s", error_code=TIMEOUT, **common
        )
    if too_big:
        return SandboxResult(
            ok=False, error="snippet output exceeds the size limit", error_code=INVALID_OUTPUT, **common
        )
    return _decode(answer, returncode, limits, common)


def _run_forked(request: bytes, timeout: float, session: Session | None = None, limits_key: str = ""):
    """One request to a forked child: the session's idle one for these limits, else a fresh one from
    the pool. In a session a child that answered cleanly is kept for the next snippet.
    -> (its answer as _parse gives it, timed out, too big, None, cold start)."""
    child = session.acquire(limits_key) if session is not None else None
    if child is None:
        child = get_forked_pool().acquire()
    keep = False
    try:
        with contextlib.suppress(OSError):
            child.channel.sendall(request)
            if session is None:
                child.channel.shutdown(socket.SHUT_WR)
        raw, timed_out, too_big = _collect(child.channel, timeout, lambda: kill_child(child.pid))
        answer = _parse(raw)
        keep = session is not None and not (timed_out or too_big) and _reusable(answer)
        return answer, timed_out, too_big, None, child.cold
    finally:
        if keep:
            child.cold = False
            session.release(limits_key, child)
        else:
            child.discard()


_UNREADABLE = "unreadable"


def _parse(raw: bytes) -> dict[str, Any] | str | None:
    """A child's answer, parsed once: its last line as a dict, None when it wrote none (it died, or
    only said it was ready), or _UNREADABLE."""
    for line in reversed(raw.split(b"\n")):
        line = line.strip()
        if line and line != READY:
            try:
                value = json.loads(line)
            except ValueError:
                return _UNREADABLE
            return value if isinstance(value, dict) else _UNREADABLE
    return None


def _reusable(answer: dict[str, Any] | str | None) -> bool:
    """Whether the child's answer says it can take another request (child.py `reusable`)."""
    return isinstance(answer, dict) and answer.get("reusable") is True


def _run_pooled(pool: SandboxPool, request: bytes, timeout: float):
    process = pool.acquire()
    try:
        with contextlib.suppress(BrokenPipeError, OSError):
            process.popen.stdin.write(request)
            process.popen.stdin.close()
        raw, timed_out, too_big = _collect(process.popen.stdout, timeout, process.kill)
        if not raw and not timed_out:  # died without answering: wait briefly for its exit status
            with contextlib.suppress(Exception):
                process.popen.wait(1.0)
        return raw, timed_out, too_big, process.popen.poll(), process.cold
    finally:
        pool.release(process)


def _collect(channel, timeout: float, kill) -> tuple[bytes, bool, bool]:
    """Read one response line from `channel` (pipe or socket) within `timeout`; kill on overrun."""
    deadline = time.monotonic() + timeout
    fd = channel.fileno()
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            kill()
            return b"", True, False
        if not readable(fd, remaining):
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            kill()
            return b"", False, True
        if chunk.endswith(b"\n") and b"".join(chunks).strip() not in (b"", READY):
            break  # the response is one line; no need to wait for the exit
    return b"".join(chunks), False, False


def _decode(
    response: dict[str, Any] | str | None, returncode: int | None, limits: Limits, common: dict
) -> SandboxResult:
    if response is None:
        cpu = limits.for_child()["cpu_seconds"]
        # The fork server's children are not ours to wait for: no exit status, judge by the time used.
        used_cpu_budget = returncode is None and common["duration_ms"] >= cpu * 1000
        if returncode in (-SIGXCPU, -SIGKILL) or used_cpu_budget:
            return SandboxResult(
                ok=False, error=f"snippet exceeded {cpu}s of CPU time", error_code=TIMEOUT, **common
            )
        return SandboxResult(
            ok=False,
            error=f"sandbox process ended without a result (exit code {returncode})",
            error_code=SANDBOX_ERROR,
            **common,
        )
    if response == _UNREADABLE:
        return SandboxResult(
            ok=False, error="snippet produced an unreadable result", error_code=INVALID_OUTPUT, **common
        )
    common["extra"] = {**common["extra"], "network_isolated": bool(response.get("network_isolated"))}
    if response.get("ok"):
        return SandboxResult(
            ok=True, output=response.get("output"), stdout=response.get("stdout", ""), **common
        )
    return SandboxResult(
        ok=False,
        error=str(response.get("error", "snippet failed")),
        error_code=str(response.get("error_code") or RUNTIME_ERROR),
        traceback=str(response.get("traceback", "")),
        **common,
    )
