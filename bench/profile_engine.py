"""Profile of one engine execution inside the worker (bench/engine.py's workflow), in-process.

Runs `execution_run` (claim, graph, log rows, finalise, finish hooks) on the bench database for the
webhook -> 5 code nodes chain and prints wall time per phase plus the SQL statements per execution.
Wall clock is noisy on a shared machine: read the phases and the query counts, and compare runs
made back to back.

Run: .venv/bin/python bench/profile_engine.py [--runs 100] [--out /tmp/engine.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import _prepare_database, bench_env, django_setup  # noqa: E402

WATCH = [
    ("execution_run (all)", "services/executions.py:execution_run"),
    ("  _claim", "services/executions.py:_claim"),
    ("  run_graph", "orchestrator/runner.py:run_graph"),
    ("    DbReporter.node_finished (log rows)", "execution/reporting.py:node_finished"),
    ("    DbReporter.should_cancel", "execution/reporting.py:should_cancel"),
    ("    run_snippet (sandbox)", "sandbox/runner.py:run_snippet"),
    ("    checkpointer put/put_writes", "sqlite/__init__.py:put"),
    ("  execution_finalize", "services/executions.py:execution_finalize"),
    ("    _forget_checkpoints", "services/executions.py:_forget_checkpoints"),
    ("    execution_finished", "services/executions.py:execution_finished"),
    ("    finish hooks (in line)", "execution/hooks.py:run_finish_hooks"),
    ("      log_episode", "services/execution_hooks.py:log_episode"),
]


def _children_cpu() -> float:
    """CPU seconds of this process's sandbox children (the fork server and its forks), from /proc."""
    import os

    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for task in Path("/proc").iterdir():
        if not task.name.isdigit():
            continue
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():  # ppid: direct children (the zygote), + their reaped forks
            total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    env = bench_env()
    _prepare_database(env)
    django_setup(env)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from engine import chain_document

    from apps.agents.models import User
    from apps.execution.services.executions import execution_create, execution_run
    from apps.workflows.services.io import workflow_import

    user = User.objects.get(username="bench")
    workflow, _ = workflow_import(owner=user, document=chain_document("profile-chain"))

    trigger = workflow.nodes.get(node_id="hook")

    def one() -> float:
        execution = execution_create(
            workflow=workflow, trigger_node=trigger, payload={"n": 1}, user=user, enqueue=False
        )
        started = time.perf_counter()
        done = execution_run(execution_id=str(execution.execution_id), worker="profile@local")
        elapsed = time.perf_counter() - started
        assert done.status == "completed", done.error_message
        return elapsed

    for _ in range(10):
        one()
    with CaptureQueriesContext(connection) as queries:
        one()
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    print(f"SQL per execution: {len(queries)} statements, {len(writes)} not SELECT")
    for sql in queries:
        print("   ", sql["sql"][:110])
    cpu_before, children_before = time.process_time(), _children_cpu()
    wall = [one() for _ in range(args.runs)]
    cpu = (time.process_time() - cpu_before + _children_cpu() - children_before) / args.runs
    print(f"load average {Path('/proc/loadavg').read_text().split()[:3]}")
    print(f"execution_run wall: p50 {statistics.median(wall) * 1000:.1f} ms over {args.runs} runs")
    print(f"CPU per execution (all threads of this process + sandbox children): {cpu * 1000:.1f} ms")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.runs):
        one()
    profiler.disable()
    stats = pstats.Stats(profiler)
    if args.out:
        stats.dump_stats(args.out)
    for label, needle in WATCH:
        total = sum(
            v[3] for k, v in stats.stats.items() if needle == f"{'/'.join(k[0].split('/')[-2:])}:{k[2]}"
        )
        print(f"{label:45s} {total / args.runs * 1000:7.2f} ms per execution (cProfile, cumulative)")


if __name__ == "__main__":
    main()
