"""Real processes for integration tests: daphne (HTTP + WebSocket) and Celery workers on the test database.

They are session-scoped subprocesses that read the same test database as the test process; tests that
use them must also request `transactional_db` so their rows are committed and visible.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import stack  # noqa: E402

LOG_DIR = ROOT / "var" / "test-logs"


def test_database_url() -> str:
    """A DATABASE_URL that points a child process at the database the test run created."""
    from django.db import connection

    cfg = connection.settings_dict
    if cfg["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{cfg['NAME']}"
    user = cfg.get("USER") or ""
    password = f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{cfg.get('HOST') or '127.0.0.1'}:{cfg.get('PORT') or 5432}/{cfg['NAME']}"


def child_env(**extra) -> dict:
    env = dict(os.environ)
    env["DATABASE_URL"] = test_database_url()
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    env["PYTHONUNBUFFERED"] = "1"
    env["DJANGO_SETTINGS_MODULE"] = "tests.support.child_settings"
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(extra)
    return env


@dataclass
class ManagedProcess:
    name: str
    cmd: list[str]
    env: dict
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    extra: dict = field(default_factory=dict)

    def start(self) -> ManagedProcess:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"{self.name}.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed with it
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def stop(self) -> None:
        stack.stop(self.proc)

    def kill(self) -> None:
        """SIGKILL, as a crashed machine would."""
        import signal

        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def log_tail(self, chars: int = 4000) -> str:
        return (
            self.log_path.read_text(errors="replace")[-chars:]
            if self.log_path and self.log_path.exists()
            else ""
        )


@dataclass
class AsgiServer:
    process: ManagedProcess
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


def start_asgi_server(name: str = "daphne", **env) -> AsgiServer:
    port = stack.free_port()
    cmd = stack.daphne_command(port)
    process = ManagedProcess(name, cmd, child_env(**env)).start()
    try:
        stack.wait_for_port(port, timeout=30, proc=process.proc)
    except Exception as exc:
        process.stop()
        raise RuntimeError(f"daphne did not start: {exc}\n{process.log_tail()}") from exc
    return AsgiServer(process=process, port=port)


def start_worker(name: str = "worker", concurrency: int = 2, pool: str = "prefork", **env) -> ManagedProcess:
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "pipelit",
        "worker",
        "-l",
        "INFO",
        "--pool",
        pool,
        "--concurrency",
        str(concurrency),
        "-n",
        f"{name}-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    process = ManagedProcess(name, cmd, child_env(**env)).start()
    wait_for_worker(process)
    return process


def wait_for_worker(process: ManagedProcess, timeout: float = 40) -> None:
    import time

    from pipelit.celery import app

    deadline = time.monotonic() + timeout
    wanted = process.cmd[process.cmd.index("-n") + 1].split("@")[0]
    while time.monotonic() < deadline:
        if process.proc.poll() is not None:
            raise RuntimeError(f"worker exited early:\n{process.log_tail()}")
        replies = app.control.ping(timeout=0.5) or []
        if any(wanted in name for reply in replies for name in reply):
            return
    process.stop()
    raise RuntimeError(f"worker did not answer a ping in {timeout}s:\n{process.log_tail()}")


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker):
    """A daphne process serving the product on a free loopback port for the whole session."""
    with django_db_blocker.unblock():
        server = start_asgi_server()
    yield server
    server.process.stop()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """One real Celery worker process (prefork, 2 children) on real Redis and the test database."""
    from pipelit.celery import app

    global _session_worker
    app.control.purge()
    with django_db_blocker.unblock():
        worker = start_worker()
    _session_worker = worker
    yield worker
    _session_worker = None
    worker.stop()


_session_worker: ManagedProcess | None = None  # the session's worker, once a test has started it


@pytest.fixture
def live_url(asgi_server, transactional_db) -> str:
    return asgi_server.url


def worker_node_name(process: ManagedProcess) -> str:
    return process.cmd[process.cmd.index("-n") + 1].replace("%h", socket.gethostname())


def wait_worker_idle(process: ManagedProcess, timeout: float = 20) -> None:
    """Block until the worker has no queued, active or reserved task (e.g. finish hooks still writing).

    Flushing the test database while a task holds row locks deadlocks on PostgreSQL."""
    import time

    import redis

    from pipelit.celery import app

    name = worker_node_name(process)
    queued = redis.Redis.from_url(app.conf.broker_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.proc.poll() is None:
        busy = queued.llen(app.conf.task_default_queue) > 0  # sent, not yet taken by the worker
        for method in ("active", "reserved"):
            replies = app.control.broadcast(method, reply=True, timeout=1, limit=1, destination=[name]) or []
            busy = busy or any(tasks for reply in replies for tasks in reply.values())
        if not busy:
            return
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def _worker_idle_before_flush(request):
    """Tests that use the worker, or enqueue runs while the session's worker runs (a webhook answered
    202 ...), wait for it to go idle before their database is flushed."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(
        marker and marker.kwargs.get("transaction")
    )
    uses_worker = "celery_worker" in request.fixturenames
    if not uses_worker and not transactional:
        yield
        return
    worker = request.getfixturevalue("celery_worker") if uses_worker else None
    if transactional:
        request.getfixturevalue("transactional_db")  # set up first, so flushed after we waited
    yield
    worker = worker or _session_worker
    if worker is not None:
        wait_worker_idle(worker)
