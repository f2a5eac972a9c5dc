"""The process-wide LangGraph checkpointer: SQLite by default, PostgreSQL when the database is."""

from __future__ import annotations

import operator
import os
import threading
import uuid
from typing import Annotated, TypedDict

import psycopg
import pytest
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import START, StateGraph

from apps.execution import checkpoints

PG_HOST = "127.0.0.1"
PG_NAME = "pipelit_test_checkpoints"


class Counter(TypedDict):
    total: Annotated[int, operator.add]


def _graph(saver):
    builder = StateGraph(Counter)
    builder.add_node("add", lambda state: {"total": 2})
    builder.add_edge(START, "add")
    return builder.compile(checkpointer=saver)


def _round_trip(saver_type):
    saver = checkpoints.checkpointer()
    assert isinstance(saver, saver_type)
    thread_id = f"exec-{uuid.uuid4()}"  # the PostgreSQL database is shared by concurrent test runs
    config = {"configurable": {"thread_id": thread_id}}
    _graph(saver).invoke({"total": 1}, config)
    checkpoints.reset_checkpointer()  # a new process: nothing in memory
    fresh = checkpoints.checkpointer()
    assert fresh is not saver
    assert _graph(fresh).get_state(config).values == {"total": 3}
    checkpoints.checkpoint_delete(thread_id=thread_id)
    assert _graph(fresh).get_state(config).values == {}


pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


@pytest.fixture
def fresh_checkpointer():
    checkpoints.reset_checkpointer()
    yield
    checkpoints.reset_checkpointer()


@pytest.fixture
def sqlite_db(settings, tmp_path, fresh_checkpointer):
    settings.VAR_DIR = tmp_path
    settings.IS_POSTGRES = False
    settings.DATABASES = {
        **settings.DATABASES,
        "default": {**settings.DATABASES["default"], "NAME": "/x/t.sqlite3"},
    }
    return tmp_path


def test_sqlite_saver_is_a_file_named_after_the_database_and_survives_a_new_process(sqlite_db):
    assert checkpoints.sqlite_path() == sqlite_db / "checkpoints-t.sqlite3"
    _round_trip(SqliteSaver)
    assert (sqlite_db / "checkpoints-t.sqlite3").exists()


def test_one_saver_per_process_even_when_threads_race(sqlite_db):
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(checkpoints.checkpointer())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(s) for s in seen}) == 1


def test_a_forked_child_gets_its_own_saver_and_can_use_it(sqlite_db):
    parent = checkpoints.checkpointer()
    pid = os.fork()
    if pid == 0:  # the child: a new saver on a new connection, working
        code = 1
        try:
            child = checkpoints.checkpointer()
            _graph(child).invoke({"total": 40}, {"configurable": {"thread_id": "child"}})
            code = 0 if child is not parent else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert _graph(parent).get_state({"configurable": {"thread_id": "child"}}).values == {"total": 42}


def _postgres_available() -> bool:
    try:
        with psycopg.connect(
            f"host={PG_HOST} user=postgres dbname=postgres", autocommit=True, connect_timeout=2
        ) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_NAME,)).fetchone():
                c.execute(f'CREATE DATABASE "{PG_NAME}"')
        return True
    except psycopg.OperationalError:
        return False


@pytest.fixture
def postgres_db(settings, fresh_checkpointer):
    if not _postgres_available():
        pytest.skip("PostgreSQL is not running on 127.0.0.1")
    settings.IS_POSTGRES = True
    db = {"ENGINE": "django.db.backends.postgresql", "NAME": PG_NAME, "USER": "postgres", "HOST": PG_HOST}
    settings.DATABASES = {**settings.DATABASES, "default": {**settings.DATABASES["default"], **db}}


def test_postgres_saver_uses_the_django_database_and_survives_a_new_process(postgres_db):
    assert "dbname=pipelit_test_checkpoints" in checkpoints.postgres_conninfo()
    _round_trip(PostgresSaver)


def test_postgres_saver_serves_many_threads(postgres_db):
    saver = checkpoints.checkpointer()
    prefix = uuid.uuid4()
    errors = []

    def run(i):
        try:
            _graph(saver).invoke({"total": i}, {"configurable": {"thread_id": f"{prefix}-{i}"}})
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _graph(saver).get_state({"configurable": {"thread_id": f"{prefix}-5"}}).values == {"total": 7}
    for i in range(8):
        checkpoints.checkpoint_delete(thread_id=f"{prefix}-{i}")
