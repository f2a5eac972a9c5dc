"""Where the engine's CPU goes: CPU per completed execution of each process of the stack.

Runs bench/engine.py's throughput load (8 waiting clients on webhook -> 5 code nodes) for a few
seconds and reads, before and after, utime+stime (+ reaped children) of the web process, each
worker's process tree and its main process alone, Redis and this client from /proc, plus the
machine's busy share from /proc/stat. The sandbox's per-execution processes are not in any process's
counters (the fork server ignores SIGCHLD, so the kernel reaps them and adds their time to nobody):
the machine's busy time minus the listed processes is about that, plus kernel work. Prints; records nothing.

Run: .venv/bin/python bench/engine_cpu.py [--workers 2] [--seconds 10] [--pool prefork] [--concurrency 1]
"""

from __future__ import annotations

import argparse
import os
import resource
from pathlib import Path

import httpx
from common import _process_tree, langgraph_floor_ms, machine_busy, running_stack
from engine import create_workflow, latency, throughput

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / TICK


def redis_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"redis-server" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--pool", default="prefork")
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    floor = langgraph_floor_ms()
    with running_stack(
        workers=args.workers, concurrency=args.concurrency, pool=args.pool, beat="embedded"
    ) as stack:
        with httpx.Client(base_url=stack.url, headers={"Authorization": f"Bearer {stack.api_key}"}) as client:
            create_workflow(client, "bench-chain")
        latency(stack.url, stack.api_key, "bench-chain", 20)  # warm every cache first
        groups = {name: _process_tree(proc.pid) for name, proc in stack.procs.items()}
        groups["redis"] = redis_pids()
        # Each worker's main process alone: Celery's consumer (BRPOP, the unacked index, acks), the hub
        # and the pool's bookkeeping; the pool children run the tasks.
        parents = {
            f"{name} parent": [proc.pid] for name, proc in stack.procs.items() if name.startswith("worker")
        }
        before = {name: cpu_seconds(pids) for name, pids in {**groups, **parents}.items()}
        client_before = resource.getrusage(resource.RUSAGE_SELF)
        busy_before, steal_before, total_before = machine_busy()
        rate, count, errors = throughput(stack.url, stack.api_key, "bench-chain", 8, args.seconds)
        busy_after, steal_after, total_after = machine_busy()
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        groups.update({name: _process_tree(proc.pid) for name, proc in stack.procs.items()})
        per_execution = {
            name: (cpu_seconds(pids) - before[name]) * 1000 / count for name, pids in groups.items()
        }
        parent_per_execution = {
            name: (cpu_seconds(pids) - before[name]) * 1000 / count for name, pids in parents.items()
        }
    per_execution["client"] = (
        (client_after.ru_utime + client_after.ru_stime - client_before.ru_utime - client_before.ru_stime)
        * 1000
        / count
    )
    machine = (busy_after - busy_before) * 1000 / count
    print(
        f"{rate:.1f} executions/s ({count} done, {errors} errors), {args.workers} worker(s), pool {args.pool}"
    )
    for name, ms in per_execution.items():
        print(f"  {name:10s} {ms:6.2f} ms CPU per execution")
    listed = sum(per_execution.values())
    for name, ms in parent_per_execution.items():
        print(f"  {name:15s} {ms:6.2f} ms CPU per execution (of its worker's above)")
    print(f"  {'machine':10s} {machine:6.2f} ms busy per execution ({listed:.2f} listed above; the rest is")
    print("             the sandbox's per-execution processes and the kernel)")
    total = total_after - total_before
    share, stolen = (busy_after - busy_before) / total, (steal_after - steal_before) / total
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"  CPUs busy {share:.0%} of the run, stolen by the host {stolen:.0%} (load {load})")
    print(
        f"  host speed before the run: a 3-node LangGraph invoke took {floor} ms (0.7 where the targets were set)"
    )


if __name__ == "__main__":
    main()
