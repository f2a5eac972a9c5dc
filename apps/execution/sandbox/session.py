"""Sandbox sessions: the snippets of one execution share their warm sandbox processes.

Without a session every snippet gets a process of its own (forked from the fork server, used once,
killed). Inside `sandbox_session()` (the orchestrator opens one around each graph run) a process that
answered cleanly is kept and takes the run's next snippet with the same limits: no fork, no warm-up,
no kill per snippet. Executions never share a process, so one run cannot observe or tamper with
another; within a run the snippets may see each other's files in the working directory and changes
to the interpreter, as the code of one workflow run by one owner.

A process is not kept after a timeout, a memory or sandbox error, output over the size limit, or
when it says it has no CPU budget left (`reusable` in its answer, see child.py). Closing the session
kills what it holds.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Iterator

from apps.execution.sandbox.zygote import ForkedChild

_current: contextvars.ContextVar[Session | None] = contextvars.ContextVar(
    "pipelit_sandbox_session", default=None
)


class Session:
    def __init__(self) -> None:
        self._idle: dict[str, list[ForkedChild]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def acquire(self, limits_key: str) -> ForkedChild | None:
        """An idle process of this run that was started with the same limits, or None."""
        with self._lock:
            idle = self._idle.get(limits_key)
            return idle.pop() if idle else None

    def release(self, limits_key: str, child: ForkedChild) -> None:
        with self._lock:
            if not self._closed:
                self._idle.setdefault(limits_key, []).append(child)
                return
        child.discard()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            children = [child for idle in self._idle.values() for child in idle]
            self._idle.clear()
        for child in children:
            child.discard()

    def idle_count(self) -> int:
        with self._lock:
            return sum(len(idle) for idle in self._idle.values())


@contextlib.contextmanager
def sandbox_session() -> Iterator[Session]:
    """Snippets run in this context (and in threads that copy it) share warm processes."""
    session = Session()
    token = _current.set(session)
    try:
        yield session
    finally:
        _current.reset(token)
        session.close()


def current_session() -> Session | None:
    return _current.get()
