"""Shared benchmark harness: start the product the way `make run` does, measure it, record results.

A benchmark run gets its own SQLite database under var/bench/ (or DATABASE_URL when set) and its own
Redis database number, so it never touches a developer's data. Results go into docs/benchmarks.md
between `<!-- bench:NAME -->` markers, replacing the previous run's table.
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))
import stack  # noqa: E402

BENCH_VAR = ROOT / "var" / "bench"
RESULTS = ROOT / "docs" / "benchmarks.md"
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")


def bench_env(**extra) -> dict:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{BENCH_VAR / 'bench.sqlite3'}")
    env["REDIS_URL"] = BENCH_REDIS_URL
    env["DJANGO_SETTINGS_MODULE"] = "pipelit.settings"
    env["LOG_LEVEL"] = env.get("BENCH_LOG_LEVEL", "WARNING")
    # One bench key sends far more than a person would: the per-key limits would answer 429.
    env.setdefault("PIPELIT_RATE_LIMIT_REST", "100000000/60")
    env.setdefault("PIPELIT_RATE_LIMIT_WEBHOOK", "100000000/60")
    env.update(extra)
    return env


def django_setup(env: dict) -> None:
    """Configure Django in this process against the benchmark database."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")})
    import django

    django.setup()


def _process_tree(pid: int, include_children: bool = True) -> list[int]:
    pids = [pid]
    if include_children:
        try:
            out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
            for child in out:
                pids.append(int(child))
                pids.extend(
                    int(g)
                    for g in subprocess.run(
                        ["pgrep", "-P", child], capture_output=True, text=True
                    ).stdout.split()
                )
        except FileNotFoundError:
            pass
    return pids


def pss_mb(pid: int, include_children: bool = True) -> float:
    """Proportional set size of a process (and its descendants) in MB, from /proc/PID/smaps_rollup:
    each shared page counts 1/n towards each of the n processes mapping it, so sums over processes
    (a prefork parent and its children, web + workers + beat) do not count shared pages twice."""
    total_kb = 0
    for p in _process_tree(pid, include_children):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
                    break
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total_kb / 1024


def rss_mb(pid: int, include_children: bool = True) -> float:
    """Resident memory of a process (and its descendants) in MB, from /proc."""
    pids = _process_tree(pid, include_children)
    total_kb = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total_kb / 1024


@dataclass
class RunningStack:
    url: str
    port: int
    api_key: str
    env: dict
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    cmds: dict[str, list[str]] = field(default_factory=dict)
    redis: subprocess.Popen | None = None  # the private Redis, when the harness started one

    def rss(self) -> dict[str, float]:
        return {name: round(rss_mb(proc.pid), 1) for name, proc in self.procs.items()}

    def pss(self) -> dict[str, float]:
        return {name: round(pss_mb(proc.pid), 1) for name, proc in self.procs.items()}

    def kill(self, name: str) -> None:
        """SIGKILL a process and everything in its process group (e.g. a worker and its children)."""
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def respawn(self, name: str) -> None:
        """Start `name` again with the command it was first started with."""
        with open(BENCH_VAR / "logs" / f"{name}.log", "ab") as log:
            self.procs[name] = subprocess.Popen(
                self.cmds[name],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


def _prepare_database(env: dict) -> str:
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    db_file = BENCH_VAR / "bench.sqlite3"
    if env["DATABASE_URL"].startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    code = (
        "from apps.agents import services as s; from apps.agents.models import User;"
        "u = User.objects.filter(username='bench').first() or s.user_create(username='bench', password='bench-pass-1',"
        " role='admin');"
        "print(s.api_key_create(user=u, name='bench').raw_key)"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1]


@contextmanager
def running_stack(
    workers: int = 1,
    concurrency: int = 1,
    beat: bool | str = True,
    pool: str = "prefork",
    **extra_env,
):
    """daphne + `workers` Celery worker processes (+ beat), as `make run` starts them.

    beat: True (a process of its own), "embedded" (inside the first worker, `celery worker -B`, as
    `make run` starts it) or False."""
    env = bench_env(**extra_env)
    redis = stack.start_redis(env["REDIS_URL"])
    running = None
    procs: dict[str, subprocess.Popen] = {}
    cmds: dict[str, list[str]] = {}
    try:
        api_key = _prepare_database(env)
        subprocess.run(
            [sys.executable, "-m", "celery", "-A", "pipelit", "purge", "-f"],
            cwd=ROOT,
            env=env,
            capture_output=True,
        )
        port = stack.free_port()
        logs = BENCH_VAR / "logs"
        logs.mkdir(exist_ok=True)

        def spawn(name, cmd):
            cmds[name] = cmd
            with open(logs / f"{name}.log", "wb") as log:
                procs[name] = subprocess.Popen(
                    cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )

        spawn(
            "web",
            stack.daphne_command(port),
        )
        for i in range(workers):
            spawn(
                f"worker{i + 1}",
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "pipelit",
                    "worker",
                    "-l",
                    "WARNING",
                    "--pool",
                    pool,
                    "--concurrency",
                    str(concurrency),
                    "-n",
                    f"bench{i}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    *(["-B"] if beat == "embedded" and i == 0 else []),
                ],
            )
        if beat is True:
            spawn("beat", [sys.executable, "-m", "celery", "-A", "pipelit", "beat", "-l", "WARNING"])
        stack.wait_for_port(port, proc=procs["web"])
        _wait_for_workers(env, workers)
        running = RunningStack(
            url=f"http://127.0.0.1:{port}",
            port=port,
            api_key=api_key,
            env=env,
            procs=procs,
            cmds=cmds,
            redis=redis,
        )
        yield running
    finally:
        for proc in procs.values():
            stack.stop(proc)
        stack.stop(running.redis if running else redis)


def _wait_for_workers(env: dict, count: int, timeout: float = 60) -> None:
    import httpx  # noqa: F401 - imported here so the harness module stays light

    code = "from pipelit.celery import app; print(len(app.control.ping(timeout=1) or []))"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
        if out.stdout.strip().isdigit() and int(out.stdout.strip()) >= count:
            return
        time.sleep(0.5)
    raise RuntimeError(f"{count} worker(s) did not answer within {timeout}s")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "p50": round(statistics.median(ms), 2),
        "p95": round(percentile(ms, 95), 2),
        "max": round(max(ms), 2),
    }


def machine_busy() -> tuple[float, float, float]:
    """(busy, steal, total) seconds of all CPUs since boot. Busy is user, nice, system, irq and
    softirq (guest time is already in user); steal is time a virtual CPU wanted but the host gave
    to someone else: neither ours nor idle, so it is reported apart."""
    user, nice, system, idle, iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]
    )
    busy = user + nice + system + irq + softirq
    return (
        busy / os.sysconf("SC_CLK_TCK"),
        steal / os.sysconf("SC_CLK_TCK"),
        (busy + idle + iowait + steal) / os.sysconf("SC_CLK_TCK"),
    )


def machine_line() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}"


# STACK-NOTES.md measured these on the machine the targets were set on: a 3-node LangGraph graph
# compiled in 0.14 ms and invoked in 0.7 ms.
REFERENCE_LANGGRAPH_INVOKE_MS = 0.7

_FLOOR_SNIPPET = """
import statistics, time
from typing import TypedDict
from langgraph.graph import END, START, StateGraph
class S(TypedDict):
    x: int
def step(state):
    return {"x": state["x"] + 1}
graph = StateGraph(S)
for name in "abc":
    graph.add_node(name, step)
graph.add_edge(START, "a"); graph.add_edge("a", "b"); graph.add_edge("b", "c"); graph.add_edge("c", END)
app = graph.compile()
for _ in range(200):
    app.invoke({"x": 0})
runs = []
for _ in range(5):
    samples = []
    for _ in range(300):
        started = time.perf_counter(); app.invoke({"x": 0}); samples.append(time.perf_counter() - started)
    runs.append(statistics.median(samples))
print(min(runs) * 1000)
"""


def langgraph_floor_ms() -> float | None:
    """This host's speed on STACK-NOTES' floor measurement (a 3-node LangGraph invoke, best of five
    medians, in a fresh interpreter), to compare with REFERENCE_LANGGRAPH_INVOKE_MS."""
    try:
        out = subprocess.run(
            [sys.executable, "-c", _FLOOR_SNIPPET], capture_output=True, text=True, timeout=120, check=True
        )
        return round(float(out.stdout.strip()), 3)
    except (subprocess.SubprocessError, ValueError):
        return None


def record(name: str, title: str, body: str, results: Path = RESULTS) -> None:
    """Replace (or append) the section `name` of docs/benchmarks.md (or of `results`)."""
    results.parent.mkdir(exist_ok=True)
    text = (
        results.read_text()
        if results.exists()
        else "# Benchmarks\n\nProduced by `make bench` (or each `bench/*.py`).\n"
    )
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    section = f"{start}\n## {title}\n\n{body.strip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    results.write_text(text)
    print(section)
