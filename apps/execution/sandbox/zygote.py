"""Fork-server backend: one pristine sandbox interpreter (never imported Django) forks per snippet.

Forking the small, already-initialised zygote costs about a millisecond, so every snippet gets a fresh
process without paying interpreter start-up (~60 ms of CPU here) and without a pool to drain under
load. The zygote itself only forks; it never runs snippet code, so snippets cannot tamper with it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass

from apps.execution.sandbox.pool import CHILD, make_workdir, readable, remove_workdir

FORKED_POOL_SIZE = int(os.environ.get("PIPELIT_SANDBOX_FORKED_POOL_SIZE", "4"))


class ZygoteError(RuntimeError):
    pass


class Zygote:
    def __init__(self, python: str = sys.executable, start_timeout: float = 15.0) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.popen = subprocess.Popen(
                [python, "-I", "-S", "-B", CHILD, "--zygote", str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={},
                cwd="/",
                start_new_session=True,
            )
        finally:
            theirs.close()
        self._control = ours
        self._lock = threading.Lock()
        ours.settimeout(start_timeout)
        if ours.recv(64) != b"ready\n":
            self.close()
            raise ZygoteError("sandbox fork server did not start")
        ours.settimeout(10.0)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def fork_child(self, workdir: str) -> tuple[socket.socket, int]:
        """A data socket to a new child process that will serve one request in `workdir`, and its pid."""
        ours, theirs = socket.socketpair()
        try:
            with self._lock:
                socket.send_fds(self._control, [workdir.encode()], [theirs.fileno()])
                reply = self._control.recv(32)
        except OSError as exc:
            ours.close()
            raise ZygoteError(f"sandbox fork server failed: {exc}") from exc
        finally:
            theirs.close()
        if not reply:
            ours.close()
            raise ZygoteError("sandbox fork server exited")
        return ours, int(reply)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._control.close()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.popen.wait(timeout=5)


def kill_child(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


_zygote: Zygote | None = None
_zygote_pid: int | None = None
_lock = threading.Lock()


def get_zygote() -> Zygote:
    """The process-wide fork server, (re)started lazily: after a fork of this process or if it died."""
    global _zygote, _zygote_pid
    with _lock:
        if _zygote is None or _zygote_pid != os.getpid() or not _zygote.alive():
            if _zygote is not None and _zygote_pid == os.getpid():
                _zygote.close()
            _zygote = Zygote()
            _zygote_pid = os.getpid()
        return _zygote


@atexit.register
def _close_zygote() -> None:
    if _zygote is not None and _zygote_pid == os.getpid():
        _zygote.close()


@dataclass
class ForkedChild:
    channel: socket.socket
    pid: int
    workdir: str
    cold: bool = False

    def discard(self) -> None:
        kill_child(self.pid)
        with contextlib.suppress(OSError):
            self.channel.close()
        remove_workdir(self.workdir)


def fork_child() -> ForkedChild:
    workdir = make_workdir()
    try:
        channel, pid = get_zygote().fork_child(workdir)
    except BaseException:
        remove_workdir(workdir)
        raise
    return ForkedChild(channel=channel, pid=pid, workdir=workdir)


def _ready(child: ForkedChild, timeout: float = 5.0) -> bool:
    if not readable(child.channel.fileno(), timeout):
        return False
    return child.channel.recv(6) == b"ready\n"


class ForkedPool:
    """Children forked ahead of time from the fork server, in their network namespace and waiting for
    one request each.

    Refilling costs a fork and a namespace (under 1 ms of CPU), so unlike a pool of freshly started
    interpreters it keeps up with sustained load; an empty pool forks on demand.
    """

    def __init__(self, size: int = FORKED_POOL_SIZE) -> None:
        self.size = size
        self._ready: deque[ForkedChild] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        threading.Thread(target=self._refill_forever, name="sandbox-forks", daemon=True).start()
        self._wake.set()

    def acquire(self) -> ForkedChild:
        with self._lock:
            child = self._ready.popleft() if self._ready else None
        self._wake.set()
        if child is None:
            child = fork_child()
            child.cold = True
        return child

    def ready_count(self) -> int:
        with self._lock:
            return len(self._ready)

    def _refill_forever(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            while not self._closed and self.ready_count() < self.size:
                try:
                    child = fork_child()
                except (OSError, ZygoteError):
                    break
                if not _ready(child):
                    child.discard()
                    break
                with self._lock:
                    self._ready.append(child)

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        with self._lock:
            children = list(self._ready)
            self._ready.clear()
        for child in children:
            child.discard()


_forked_pool: ForkedPool | None = None
_forked_pool_pid: int | None = None


def get_forked_pool() -> ForkedPool:
    global _forked_pool, _forked_pool_pid
    with _lock:
        if _forked_pool is None or _forked_pool_pid != os.getpid():
            _forked_pool = ForkedPool()
            _forked_pool_pid = os.getpid()
        return _forked_pool


@atexit.register
def _close_forked_pool() -> None:
    if _forked_pool is not None and _forked_pool_pid == os.getpid():
        _forked_pool.close()
