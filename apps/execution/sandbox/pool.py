"""A warm pool of pre-started sandbox interpreters; each runs exactly one snippet, then is replaced.

Why one snippet per process: a snippet can change anything in its interpreter (builtins, modules,
files in its cwd); reusing the process would let one execution observe or tamper with the next.
Start-up (~20 ms) is paid in a background thread instead, so a call normally finds a ready process.
The children are fresh `python -I -S -B` interpreters spawned by fork+exec (never a fork of the
Django worker), with an empty environment and a throw-away working directory.
"""

from __future__ import annotations

import atexit
import contextlib
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

CHILD = str(Path(__file__).with_name("child.py"))
NOBODY = 65534
DEFAULT_POOL_SIZE = int(os.environ.get("PIPELIT_SANDBOX_POOL_SIZE", "6"))
REFILL_IDLE = 0.02  # seconds without an acquisition before the pool refills
REFILL_MAX_DELAY = 0.25  # ...but never wait longer than this under continuous load


@dataclass
class SandboxProcess:
    popen: subprocess.Popen
    workdir: str
    cold: bool = False

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.popen.kill()

    def cleanup(self) -> None:
        self.kill()
        with contextlib.suppress(Exception):
            self.popen.wait(timeout=5)
        for stream in (self.popen.stdin, self.popen.stdout):
            with contextlib.suppress(Exception):
                stream and stream.close()
        remove_workdir(self.workdir)


def make_workdir() -> str:
    """A private, empty directory the (unprivileged) snippet process may write to."""
    workdir = tempfile.mkdtemp(prefix="pipelit-sandbox-")
    if os.geteuid() == 0:
        os.chown(workdir, NOBODY, NOBODY)
    os.chmod(workdir, 0o700)
    return workdir


def remove_workdir(workdir: str) -> None:
    """Delete a snippet's directory: one rmdir when the snippet left it empty (the usual case)."""
    try:
        os.rmdir(workdir)
    except OSError:
        shutil.rmtree(workdir, ignore_errors=True)


def spawn(python: str = sys.executable) -> SandboxProcess:
    workdir = make_workdir()
    popen = subprocess.Popen(
        [python, "-I", "-S", "-B", CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={},
        cwd=workdir,
        close_fds=True,
        start_new_session=True,
    )
    return SandboxProcess(popen=popen, workdir=workdir)


def readable(fd: int, timeout: float) -> bool:
    """Whether `fd` has something to read (or was closed) within `timeout` seconds. A poll object
    costs one syscall; a selectors.DefaultSelector costs four (epoll create, add, wait, close) and
    was ~25 us per wait here, five or six waits per execution."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(max(0, math.ceil(timeout * 1000))))


def _wait_until_ready(process: SandboxProcess, timeout: float = 10.0) -> bool:
    """Consume the child's "ready" line: its interpreter is up and waiting for a request."""
    if not readable(process.popen.stdout.fileno(), timeout):
        return False
    return process.popen.stdout.readline() == b"ready\n"


class SandboxPool:
    """Thread-safe; `acquire()` hands out a started process (cold-spawns one if the pool is empty)."""

    def __init__(self, size: int = DEFAULT_POOL_SIZE, python: str = sys.executable) -> None:
        self.size = max(0, size)
        self.python = python
        self._ready: deque[SandboxProcess] = deque()
        self._used: deque[SandboxProcess] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._last_acquire = 0.0
        self._thread = threading.Thread(target=self._refill_forever, name="sandbox-pool", daemon=True)
        self._thread.start()
        if self.size:
            self._wake.set()

    def acquire(self) -> SandboxProcess:
        process = None
        with self._lock:
            while self._ready:
                candidate = self._ready.popleft()
                if candidate.alive():
                    process = candidate
                    break
                candidate.cleanup()
        self._last_acquire = time.monotonic()
        self._wake.set()
        if process is None:
            process = spawn(self.python)
            process.cold = True
        return process

    def release(self, process: SandboxProcess) -> None:
        """Kill a used process now; reap it and delete its directory in the background."""
        process.kill()
        with self._lock:
            self._used.append(process)
        self._wake.set()

    def ready_count(self) -> int:
        with self._lock:
            return len(self._ready)

    def wait_ready(self, count: int | None = None, timeout: float = 5.0) -> bool:
        """Block until `count` (default: size) processes are warm; for benchmarks and tests."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.ready_count() >= (self.size if count is None else count):
                return True
            time.sleep(0.005)
        return False

    def _refill_forever(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            self._settle()
            self._reap()
            while not self._closed and self.ready_count() < self.size:
                try:
                    process = spawn(self.python)
                except OSError:
                    break
                if not _wait_until_ready(process):
                    process.cleanup()
                    continue
                with self._lock:
                    if self._closed:
                        process.cleanup()
                        return
                    self._ready.append(process)

    def _settle(self) -> None:
        """Let a burst of acquisitions finish before spawning: interpreters starting up would take the
        CPU from the snippets running right now (the burst itself is served by the warm processes)."""
        waited = 0.0
        while waited < REFILL_MAX_DELAY and time.monotonic() - self._last_acquire < REFILL_IDLE:
            time.sleep(REFILL_IDLE)
            waited += REFILL_IDLE

    def _reap(self) -> None:
        with self._lock:
            used = list(self._used)
            self._used.clear()
        for process in used:
            process.cleanup()

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        with self._lock:
            processes = list(self._ready) + list(self._used)
            self._ready.clear()
            self._used.clear()
        for process in processes:
            process.cleanup()


_pool: SandboxPool | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def get_pool() -> SandboxPool:
    """The process-wide pool, created lazily and again after a fork (Celery prefork children)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = SandboxPool()
            _pool_pid = os.getpid()
        return _pool


@atexit.register
def _close_pool() -> None:
    if _pool is not None and _pool_pid == os.getpid():
        _pool.close()
