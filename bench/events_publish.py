"""CPU of publishing an execution's events, in-process: the caller's share and the publisher thread's.

Publishes the events of bench/engine.py's run (webhook -> 5 code nodes: execution_started, running and
finished for each of 6 nodes, the finish event; each on `workflow:<slug>` and `execution:<id>`, the
finish event on a waiter's channel too) through `events.broadcast_many`, and reads the calling
thread's CPU (time.thread_time around the calls) and the whole process's (the rest is the
`pipelit-events` thread). `--burst node` flushes after every event, as in a run where nodes take a
while (each event is its own burst); `--burst run` flushes once per run (one burst of ~29 messages).

Run: BENCH_REDIS_URL=redis://127.0.0.1:6379/<db> .venv/bin/python bench/events_publish.py [--runs 2000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_env, django_setup  # noqa: E402


def run_events(slug: str) -> list[tuple[list[str], str, dict]]:
    execution_id = str(uuid.uuid4())
    channels = [f"workflow:{slug}", f"execution:{execution_id}"]
    out = [
        (
            channels,
            "execution_started",
            {"execution_id": execution_id, "workflow_slug": slug, "trigger_node_id": "hook"},
        )
    ]
    for i in range(6):
        node = f"code_{i}" if i else "hook"
        out.append(
            (channels, "node_status", {"execution_id": execution_id, "node_id": node, "status": "running"})
        )
        output = {"output": {"value": i, "items": [1, 2, 3], "label": f"step {i}"}}
        out.append(
            (
                channels,
                "node_status",
                {"execution_id": execution_id, "node_id": node, "status": "success", "output": output},
            )
        )
    finish = {
        "execution_id": execution_id,
        "status": "completed",
        "duration_ms": 12,
        "final_output": {"value": 5},
    }
    out.append(([*channels, "waiters:" + uuid.uuid4().hex], "execution_completed", finish))
    return out


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--burst", choices=["node", "run"], default="node")
    args = parser.parse_args()
    django_setup(bench_env())
    from pipelit import events

    runs = [run_events("bench-chain") for _ in range(args.runs)]
    events.broadcast_many(["workflow:warm-up"], "warm_up", {})
    events.flush()
    caller = 0.0
    start = cpu()
    for run in runs:
        for channels, kind, data in run:
            t0 = time.thread_time()
            events.broadcast_many(channels, kind, data)
            caller += time.thread_time() - t0
            if args.burst == "node":
                events.flush()
        if args.burst == "run":
            events.flush()
    total = cpu() - start
    n = args.runs
    print(
        f"burst={args.burst} runs={n}: caller {caller * 1000 / n:.3f} ms/run, "
        f"publisher thread (rest) {(total - caller) * 1000 / n:.3f} ms/run, process {total * 1000 / n:.3f} ms/run"
    )


if __name__ == "__main__":
    main()
