"""`make run` (scripts/run.py) starts the whole product: daphne, a worker with beat inside it; Ctrl-C
(SIGTERM here) stops every process it started."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from tests.support.live import stack

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def own_redis_db() -> str:
    """The session's Redis server, another database: this stack's worker must not take the test
    worker's tasks, nor its beat send ticks to the test database."""
    url = urlparse(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"))
    return f"redis://{url.hostname}:{url.port or 6379}/14"


def wait_for(predicate, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} within {seconds:g}s; make run's output ends:\n{log.read_text()[-3000:]}")


def descendants(pid: int) -> set[int]:
    found, frontier = set(), [pid]
    while frontier:
        children = []
        for parent in frontier:
            listed = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
            children += [int(child) for child in listed.split()]
        found.update(children)
        frontier = children
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.timeout(240)
def test_make_run_serves_runs_a_worker_with_beat_and_stops_everything(tmp_path):
    port = stack.free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "PIPELIT_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",  # a SQLite file of its own under PIPELIT_VAR_DIR
        "REDIS_URL": own_redis_db(),
        "DJANGO_SETTINGS_MODULE": "pipelit.settings",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "make-run.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "scripts/run.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def healthy() -> bool:
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
            except (httpx.HTTPError, ValueError):
                return False
            return body.get("status") == "ok" and body.get("workers", 0) >= 1

        wait_for(healthy, 150, "/health did not report the database, Redis and a worker", log)
        wait_for(
            lambda: "Scheduler: Sending due task" in log.read_text(),
            60,
            "beat (inside the worker) sent no periodic task",
            log,
        )
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code in (200, 302)
        started = descendants(proc.pid)  # daphne, the worker, its pool children and beat
        assert len(started) >= 4
    finally:
        started = descendants(proc.pid) | locals().get("started", set())
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        finally:
            left = [pid for pid in started if alive(pid)]
            for pid in left:  # never leave them running, whatever the outcome
                os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 0
    assert not left, f"make run left processes behind: {left}"
