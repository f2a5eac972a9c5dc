"""Faults for bench/load.py: a private Redis or PostgreSQL to restart, a worker to SIGKILL."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
import time
from pathlib import Path

from common import stack

PG_DIR = Path("/tmp/pipelit-bench-pg")
OUTAGE_SECONDS = 15
RECOVERY_GRACE_SECONDS = 10  # after the restart, errors still count as "during the fault"
WORKER_KILL_EVERY = 30


def _as_postgres(*cmd: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd]


@contextlib.contextmanager
def environment(fault: str):
    """Env overrides for the stack: a private Redis port, or a private PostgreSQL cluster."""
    if fault == "redis":
        yield {"REDIS_URL": f"redis://127.0.0.1:{stack.free_port()}/0"}
    elif fault == "postgres":
        port = stack.free_port()
        shutil.rmtree(PG_DIR, ignore_errors=True)
        PG_DIR.mkdir(parents=True)
        shutil.chown(PG_DIR, "postgres", "postgres")
        subprocess.run(
            _as_postgres("initdb", "-D", str(PG_DIR), "-A", "trust", "-U", "postgres"),
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k /tmp -c listen_addresses=127.0.0.1"
        _pg_ctl("start", "-o", options)
        try:
            yield {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/postgres", "_PG_OPTIONS": options}
        finally:
            _pg_ctl("stop", "-m", "fast")
            shutil.rmtree(PG_DIR, ignore_errors=True)
    else:
        yield {}


def _pg_ctl(*args: str) -> None:
    subprocess.run(
        _as_postgres("pg_ctl", "-D", str(PG_DIR), "-l", str(PG_DIR / "log"), "-w", *args),
        check=True,
        capture_output=True,
    )


def inject(fault: str, running, rec, stop: threading.Event, total_seconds: float) -> list[str]:
    """Start the fault in a thread; returns the (growing) list of what happened when."""
    log: list[str] = []
    t0 = time.monotonic()

    def note(text: str) -> None:
        log.append(f"t+{time.monotonic() - t0:.0f}s {text}")

    def outage(down, up) -> None:
        if stop.wait(total_seconds / 3):
            return
        rec.fault_window = True
        down()
        note("down")
        stop.wait(OUTAGE_SECONDS)
        up()
        note("up again")
        stop.wait(RECOVERY_GRACE_SECONDS)
        rec.fault_window = False

    def redis_down() -> None:
        stack.stop(running.redis, timeout=0)  # SIGTERM then SIGKILL: no persistence, queued tasks are gone

    def redis_up() -> None:
        running.redis = stack.start_redis(running.env["REDIS_URL"])

    def pg_down() -> None:
        _pg_ctl("stop", "-m", "immediate")

    def pg_up() -> None:
        _pg_ctl("start", "-o", running.env["_PG_OPTIONS"])

    def worker_kills() -> None:
        while not stop.wait(WORKER_KILL_EVERY):
            running.kill("worker1")
            note("worker SIGKILLed")
            running.respawn("worker1")

    target = {
        "redis": lambda: outage(redis_down, redis_up),
        "postgres": lambda: outage(pg_down, pg_up),
        "worker": worker_kills,
    }.get(fault)
    if target is not None:
        threading.Thread(target=target, daemon=True).start()
    return log
