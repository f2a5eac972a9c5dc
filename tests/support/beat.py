"""Celery beat as a real subprocess (django-celery-beat DatabaseScheduler) on the test database."""

from __future__ import annotations

import os
import sys
import time

from tests.support.live import LOG_DIR, ManagedProcess, child_env


def start_beat(name: str = "beat", **env) -> ManagedProcess:
    """Beat re-checks its schedule every second (--max-interval 1); its first tick is within ~1 s."""
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "pipelit",
        "beat",
        "-l",
        "INFO",
        "--max-interval",
        "1",
        "-S",
        "django_celery_beat.schedulers:DatabaseScheduler",
    ]
    name = f"{name}-{os.getpid()}"
    (LOG_DIR / f"{name}.log").unlink(missing_ok=True)
    process = ManagedProcess(name, cmd, child_env(**env)).start()
    deadline = time.monotonic() + 30
    while "beat: Starting" not in process.log_tail(20000):
        if process.proc.poll() is not None or time.monotonic() > deadline:
            process.stop()
            raise RuntimeError(f"beat did not start:\n{process.log_tail()}")
        time.sleep(0.05)
    return process
