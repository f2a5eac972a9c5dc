"""The process-wide LangGraph checkpointer: where a run's graph state lives between steps and pauses.

    saver = checkpointer()   # SqliteSaver (default) or PostgresSaver (DATABASE_URL is PostgreSQL)
    graph = builder.compile(checkpointer=saver); graph.invoke(..., {"configurable": {"thread_id": ...}})

- SQLite: a file of its own under VAR_DIR, named after the Django database (`checkpoints-<db>.sqlite3`,
  so a test database gets its own file), WAL so the web server and workers share it.
- PostgreSQL: the Django database itself, through a small psycopg pool (autocommit, no prepared
  statements -- safe behind pgbouncer --, dict rows as the saver requires); `setup()` runs once.

Created lazily and once per process (a lock for threads; the pid for Celery prefork children, which
must not reuse a connection opened before the fork).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from django.conf import settings

# Our own types in the graph state that the saver may deserialize (besides LangGraph's safe list).
ALLOWED_TYPES = [("apps.execution.results", "NodeResult"), ("apps.execution.results", "NodeStatus")]

_lock = threading.Lock()
_saver: Any = None
_pid: int | None = None
_resource: Any = None  # the sqlite connection or psycopg pool behind _saver


def checkpointer():
    """The checkpointer of this process (created on first use)."""
    global _saver, _pid, _resource
    pid = os.getpid()
    if _saver is not None and _pid == pid:
        return _saver
    with _lock:
        if _saver is None or _pid != pid:
            # A saver inherited over fork is dropped, not closed: its socket/file belongs to the parent.
            _saver, _resource = _create()
            _pid = pid
    return _saver


def reset_checkpointer() -> None:
    """Close this process's checkpointer (tests; settings changes). The next call creates a new one."""
    global _saver, _pid, _resource
    with _lock:
        if _resource is not None and _pid == os.getpid():
            with contextlib.suppress(Exception):  # closing a broken connection is best effort
                _resource.close()
        _saver = _pid = _resource = None


def checkpoint_delete(*, thread_id: str) -> None:
    """Forget every checkpoint of one thread (an execution that reached a final state)."""
    checkpointer().delete_thread(str(thread_id))


def as_root_graph(func, *args):
    """Call `func` (a graph's invoke/get_state) as a root graph from inside a workflow step.

    Without this, LangGraph finds the workflow graph's config in the context and treats the graph as
    that graph's subgraph (sharing its checkpoint namespace and checkpointer). Other context variables
    (the tool call, the audit actor) are kept.
    """
    import contextvars

    from langchain_core.runnables.config import var_child_runnable_config

    def call():
        var_child_runnable_config.set(None)
        return func(*args)

    return contextvars.copy_context().run(call)


def backend_name() -> str:
    return "postgres" if settings.IS_POSTGRES else "sqlite"


def sqlite_path() -> Path:
    name = Path(str(settings.DATABASES["default"]["NAME"])).stem or "memory"
    return Path(settings.VAR_DIR) / f"checkpoints-{name}.sqlite3"


def serde():
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    return JsonPlusSerializer(allowed_msgpack_modules=list(ALLOWED_TYPES))


def _create():
    if settings.IS_POSTGRES:
        return _create_postgres()
    return _create_sqlite()


def _create_sqlite():
    from langgraph.checkpoint.sqlite import SqliteSaver

    # The saver serialises access with its own lock, so one connection may serve every thread.
    conn = sqlite3.connect(str(sqlite_path()), check_same_thread=False, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    saver = SqliteSaver(conn, serde=serde())
    saver.setup()
    return saver, conn


def _create_postgres():
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    pool = ConnectionPool(
        conninfo=postgres_conninfo(),
        min_size=1,
        max_size=4,
        # synchronous_commit=off: a checkpoint is not fsynced before the worker goes on (about 3 commits
        # per superstep otherwise). Only a crash of the database server can lose the newest ones, and a
        # recovered run replays any node already logged (Django's writes stay synchronous).
        kwargs={
            "autocommit": True,
            "prepare_threshold": 0,
            "row_factory": dict_row,
            "options": "-c synchronous_commit=off",
        },
        open=True,
    )
    saver = PostgresSaver(pool, serde=serde())
    saver.setup()
    return saver, pool


def postgres_conninfo() -> str:
    from psycopg.conninfo import make_conninfo

    db = settings.DATABASES["default"]
    params = {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": str(db["PORT"]) if db.get("PORT") else None,
    }
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})
