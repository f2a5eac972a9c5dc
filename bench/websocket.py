"""Socket fan-out benchmark: N API sockets on one workflow while it runs a 5-node chain M times.

Delay = receipt time on the client - the event's `timestamp` (set by the worker when it published).
The sockets are spread over several client processes (`--clients`), which by default use the lean
listener of bench/ws_client.py: with the `websockets` library and a `json.loads` per message, the
clients' parsing competed with daphne and the worker for the same 2 cores and their backlog counted
as delivery delay (`--client websockets` keeps that client for comparison). Each client reports the
CPU it used during the runs, so a saturated client shows up.

`--daphnes 1,2` measures one configuration per entry: the sockets split evenly over that many daphne
processes (the scale-out path: every daphne subscribes to the same Redis pub/sub channels). Also
reports daphne's RSS before and after connecting the sockets (MB per 100 sockets), the CPU the
daphnes spent delivering the events, and how long their main threads waited for a CPU.
Run: .venv/bin/python bench/websocket.py [--sockets 500] [--runs 20] [--clients 2] [--daphnes 1,2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import resource
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
from common import BENCH_VAR, machine_line, record, rss_mb, running_stack, stack, summary_ms
from engine import chain_document
from websockets.asyncio.client import connect
from ws_client import EventListener, check_stream, listen

EVENTS_PER_RUN = 1 + 6 * 2 + 1  # execution_started, running+success per node, execution_completed


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wait_seconds(pid: int) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) of a process's main thread."""
    on_cpu, waiting, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
    return int(on_cpu) / 1e9, int(waiting) / 1e9


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def websockets_listen(url: str, channel: str, subscribed: list, delays: list, expected: int) -> int:
    async with connect(url, max_size=None, open_timeout=60, ping_interval=None, compression=None) as ws:
        await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
        reply = json.loads(await ws.recv())
        assert reply["type"] == "subscribed", reply
        subscribed[0] += 1
        received = 0
        while received < expected:
            event = json.loads(await ws.recv())
            if event.get("type") == "ping":
                await ws.send(json.dumps({"type": "pong"}))
                continue
            delays.append(time.time() - event["timestamp"])
            received += 1
        return received


async def websockets_scenario(url: str, channel: str, sockets: int, expected: int, conn) -> dict:
    subscribed, delays = [0], []
    listeners = []
    for i in range(sockets):
        listeners.append(asyncio.create_task(websockets_listen(url, channel, subscribed, delays, expected)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # do not SYN-flood the listen backlog
    deadline = time.monotonic() + 120
    while subscribed[0] < sockets:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{subscribed[0]}/{sockets} sockets subscribed")
        for task in listeners:
            if task.done() and task.exception():
                raise task.exception()
        await asyncio.sleep(0.02)
    conn.send("ready")
    cpu_start = own_cpu()
    received = await asyncio.wait_for(asyncio.gather(*listeners), 300)
    return {"received": sum(received), "delays": delays, "cpu": own_cpu() - cpu_start}


def lean_scenario(url: str, channel: str, sockets: int, expected: int, conn) -> dict:
    """The same with bench/ws_client.py's listeners; also returns what the order checks need."""
    parsed = urlparse(url)
    path = f"{parsed.path}?{parsed.query}"
    listeners = [EventListener(expected, keep=(i == 0)) for i in range(sockets)]
    for listener in listeners:
        listener.open(parsed.hostname, parsed.port, path, channel)
    conn.send("ready")
    cpu_start = own_cpu()
    listen(listeners, 300)
    cpu = own_cpu() - cpu_start
    for listener in listeners:
        listener.sock.close()
    return {
        "received": sum(listener.received for listener in listeners),
        "delays": [d for listener in listeners for d in listener.delays],
        "cpu": cpu,
        "streams": {(listener.received, listener.crc) for listener in listeners},
        "kept": listeners[0].kept,
    }


def client_main(url: str, channel: str, sockets: int, expected: int, conn, lean: bool) -> None:
    """One client process: `sockets` sockets; sends "ready", then its results, over `conn`."""
    try:
        if lean:
            conn.send(lean_scenario(url, channel, sockets, expected, conn))
        else:
            conn.send(asyncio.run(websockets_scenario(url, channel, sockets, expected, conn)))
    except BaseException as exc:  # report it to the parent instead of hanging it
        conn.send({"error": repr(exc)})
        raise


@contextlib.contextmanager
def more_daphnes(stack_, count: int):
    """`count` daphne processes in all: the stack's own plus `count - 1` more. Yields (pid, port)s."""
    procs, servers = [], [(stack_.procs["web"].pid, stack_.port)]
    try:
        for i in range(1, count):
            port = stack.free_port()
            with open(BENCH_VAR / "logs" / f"web{i + 1}.log", "wb") as log:
                proc = subprocess.Popen(
                    stack.daphne_command(port),
                    cwd=stack.ROOT,
                    env=stack_.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            procs.append(proc)
            stack.wait_for_port(port, proc=proc)
            servers.append((proc.pid, port))
        yield servers
    finally:
        for proc in procs:
            stack.stop(proc)


def scenario(stack_, slug: str, sockets: int, runs: int, clients: int, daphnes: int, lean: bool) -> dict:
    headers = {"Authorization": f"Bearer {stack_.api_key}"}
    with (
        httpx.Client(base_url=stack_.url, headers=headers, timeout=60) as client,
        more_daphnes(stack_, daphnes) as servers,
    ):
        client.post("/api/v1/workflows/import/", json=chain_document(slug)).raise_for_status()
        pids = [pid for pid, _ in servers]
        rss_before = sum(rss_mb(pid) for pid in pids)
        context = multiprocessing.get_context("spawn")
        procs, pipes = [], []
        shares = [sockets // clients + (1 if i < sockets % clients else 0) for i in range(clients)]
        for i, share in enumerate(shares):
            url = f"ws://127.0.0.1:{servers[i % daphnes][1]}/ws/?token={stack_.api_key}"
            parent_end, child_end = context.Pipe()
            proc = context.Process(
                target=client_main,
                args=(url, f"workflow:{slug}", share, runs * EVENTS_PER_RUN, child_end, lean),
            )
            proc.start()
            procs.append(proc)
            pipes.append(parent_end)
        try:
            for pipe in pipes:
                if not pipe.poll(180):
                    raise TimeoutError("a client process did not connect its sockets")
                message = pipe.recv()
                assert message == "ready", message
            rss_after = sum(rss_mb(pid) for pid in pids)
            load_before = loadavg()
            cpu_before = [cpu_seconds(pid) for pid in pids]
            sched_before = [run_wait_seconds(pid) for pid in pids]
            started = time.monotonic()
            for _ in range(runs):
                response = client.post(f"/api/v1/webhooks/{slug}?wait=30", json={})
                assert response.status_code == 200, response.text
            results = []
            for pipe in pipes:
                if not pipe.poll(300):
                    raise TimeoutError("a client process did not finish")
                results.append(pipe.recv())
            elapsed = time.monotonic() - started
            daphne_cpu = sum(cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before, strict=True))
            daphne_wait = sum(
                run_wait_seconds(pid)[1] - b[1] for pid, b in zip(pids, sched_before, strict=True)
            )
            load_after = loadavg()
        finally:
            for proc in procs:
                proc.join(10)
                if proc.is_alive():
                    proc.kill()
    errors = [r["error"] for r in results if "error" in r]
    assert not errors, errors
    if lean:  # every socket saw the same events in the same order, and that order is right
        streams = set().union(*(r["streams"] for r in results))
        assert len(streams) == 1, f"sockets disagree on the events they received: {streams}"
        for r in results:
            check_stream(r["kept"], runs, EVENTS_PER_RUN)
    return {
        "delays": [d for r in results for d in r["delays"]],
        "received": sum(r["received"] for r in results),
        "expected": sockets * runs * EVENTS_PER_RUN,
        "rss_before": rss_before,
        "rss_after": rss_after,
        "daphne_cpu": daphne_cpu,
        "daphne_wait": daphne_wait,
        "client_cpu": [r["cpu"] for r in results],
        "elapsed": elapsed,
        "load": (load_before, load_after),
    }


def row(daphnes: int, sockets: int, result: dict) -> str:
    stats = summary_ms(result["delays"])
    per_100 = (result["rss_after"] - result["rss_before"]) / sockets * 100
    lost = result["expected"] - result["received"]
    sends_per_cpu_s = result["received"] / result["daphne_cpu"] if result["daphne_cpu"] else float("inf")
    return (
        f"| {daphnes} | {sockets} | {result['received']} / {result['expected']} | {lost} | {stats['p50']} ms | "
        f"**{stats['p95']} ms** | {stats['max']} ms | {result['elapsed']:.1f} s | "
        f"{result['daphne_cpu']:.1f} s ({sends_per_cpu_s:,.0f} sends/s) | {result['daphne_wait']:.1f} s | "
        f"{max(result['client_cpu']):.1f} s | {result['rss_before']:.0f} -> {result['rss_after']:.0f} MB | "
        f"{per_100:.1f} MB | {result['load'][0]} -> {result['load'][1]} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--clients", type=int, default=2, help="client processes sharing the sockets")
    parser.add_argument("--daphnes", default="1,2", help="daphne processes per configuration, e.g. 1,2")
    parser.add_argument(
        "--client",
        choices=["lean", "websockets"],
        default="lean",
        help="bench/ws_client.py or the websockets library",
    )
    args = parser.parse_args()
    configurations = [int(n) for n in args.daphnes.split(",")]
    load_before = loadavg()
    rows = []
    with running_stack(workers=1, concurrency=1) as stack_:
        for daphnes in configurations:
            result = scenario(
                stack_,
                f"bench-fanout-{daphnes}",
                args.sockets,
                args.runs,
                args.clients,
                daphnes,
                args.client == "lean",
            )
            rows.append(row(daphnes, args.sockets, result))
            print(rows[-1], flush=True)
    load_after = loadavg()
    body = "\n".join(
        [
            "```",
            f".venv/bin/python bench/websocket.py --clients {args.clients} --daphnes {args.daphnes}"
            f"{' --client websockets' if args.client != 'lean' else ''}   # or: make bench",
            "```",
            f"Machine: {machine_line()}; load average {load_before} before, {load_after} after.",
            f"One worker, Redis channel layer. {args.sockets} API sockets over {args.clients} client processes "
            f"({'bench/ws_client.py' if args.client == 'lean' else 'the websockets library'}), split evenly over "
            f"the daphne processes, subscribed to one workflow (webhook -> 5 code nodes) that runs {args.runs} "
            f"times; each socket gets {EVENTS_PER_RUN} events per run. Delay = receipt on the client - the "
            '`timestamp` the worker stamped. daphne CPU and RSS are summed over the daphnes; "waited" is the '
            "time their main threads were runnable but not on a CPU; the load average is taken just before and "
            "after the runs.",
            "",
            "| daphnes | sockets | events delivered | lost | delay p50 | p95 | max | runs took | daphne CPU "
            "| daphne waited | busiest client CPU | daphne RSS idle -> connected | per 100 sockets | load |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Target: p95 <= 50 ms, no event lost.",
        ]
    )
    record("websocket", "Socket fan-out (bench/websocket.py)", body)


if __name__ == "__main__":
    main()
