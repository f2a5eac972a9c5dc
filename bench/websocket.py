"""Socket fan-out benchmark: N API sockets on one workflow while it runs a 5-node chain M times.

Delay = receipt time on the client - the event's `timestamp` (set by the worker when it published).
The sockets are spread over several client processes (`--clients`): one Python process reading 500
sockets spends as long parsing frames as daphne spends writing them, and its own backlog would be
counted as delivery delay. Each client reports the CPU it used during the runs, so a saturated
client shows up. Also reports daphne's RSS before and after connecting the sockets (MB per 100
sockets) and the CPU daphne spent delivering the events.
Run: .venv/bin/python bench/websocket.py [--sockets 500] [--runs 20] [--clients 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import time
from pathlib import Path

import httpx
from common import machine_line, record, rss_mb, running_stack, summary_ms
from engine import chain_document
from websockets.asyncio.client import connect

EVENTS_PER_RUN = 1 + 6 * 2 + 1  # execution_started, running+success per node, execution_completed


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def listen(url: str, channel: str, subscribed: list, delays: list, expected: int) -> int:
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


async def client_scenario(url: str, channel: str, sockets: int, expected: int, conn) -> dict:
    subscribed, delays = [0], []
    listeners = []
    for i in range(sockets):
        listeners.append(asyncio.create_task(listen(url, channel, subscribed, delays, expected)))
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


def client_main(url: str, channel: str, sockets: int, expected: int, conn) -> None:
    """One client process: `sockets` sockets; sends "ready", then its results, over `conn`."""
    try:
        conn.send(asyncio.run(client_scenario(url, channel, sockets, expected, conn)))
    except BaseException as exc:  # report it to the parent instead of hanging it
        conn.send({"error": repr(exc)})
        raise


def scenario(stack, sockets: int, runs: int, clients: int) -> dict:
    slug = "bench-fanout"
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    web = stack.procs["web"].pid
    with httpx.Client(base_url=stack.url, headers=headers, timeout=60) as client:
        client.post("/api/v1/workflows/import/", json=chain_document(slug)).raise_for_status()
        rss_before = rss_mb(web)
        url = f"ws://127.0.0.1:{stack.port}/ws/?token={stack.api_key}"
        context = multiprocessing.get_context("spawn")
        procs, pipes = [], []
        shares = [sockets // clients + (1 if i < sockets % clients else 0) for i in range(clients)]
        for share in shares:
            parent_end, child_end = context.Pipe()
            proc = context.Process(
                target=client_main, args=(url, f"workflow:{slug}", share, runs * EVENTS_PER_RUN, child_end)
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
            rss_after = rss_mb(web)
            daphne_cpu = cpu_seconds(web)
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
            daphne_cpu = cpu_seconds(web) - daphne_cpu
        finally:
            for proc in procs:
                proc.join(10)
                if proc.is_alive():
                    proc.kill()
    errors = [r["error"] for r in results if "error" in r]
    assert not errors, errors
    return {
        "delays": [d for r in results for d in r["delays"]],
        "received": sum(r["received"] for r in results),
        "expected": sockets * runs * EVENTS_PER_RUN,
        "rss_before": rss_before,
        "rss_after": rss_after,
        "daphne_cpu": daphne_cpu,
        "client_cpu": [r["cpu"] for r in results],
        "elapsed": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4, help="client processes sharing the sockets")
    args = parser.parse_args()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    with running_stack(workers=1, concurrency=1) as stack:
        result = scenario(stack, args.sockets, args.runs, args.clients)
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    stats = summary_ms(result["delays"])
    per_100 = (result["rss_after"] - result["rss_before"]) / args.sockets * 100
    lost = result["expected"] - result["received"]
    sends_per_cpu_s = result["received"] / result["daphne_cpu"] if result["daphne_cpu"] else float("inf")
    client_cpu = max(result["client_cpu"])
    body = "\n".join(
        [
            "```",
            f".venv/bin/python bench/websocket.py --clients {args.clients}   # or: make bench",
            "```",
            f"Machine: {machine_line()}; load average {' '.join(load_before)} before, "
            f"{' '.join(load_after)} after.",
            f"One daphne, one worker, Redis channel layer. {args.sockets} API sockets over {args.clients} client "
            f"processes, subscribed to one workflow (webhook -> 5 code nodes) that runs {args.runs} times; each "
            f"socket gets {EVENTS_PER_RUN} events per run. Delay = receipt on the client - the `timestamp` the "
            "worker stamped.",
            "",
            "| sockets | events delivered | lost | delay p50 | p95 | max | daphne RSS idle -> connected | per 100 sockets |",
            "|---|---|---|---|---|---|---|---|",
            f"| {args.sockets} | {result['received']} / {result['expected']} | {lost} | {stats['p50']} ms | "
            f"**{stats['p95']} ms** | {stats['max']} ms | {result['rss_before']:.0f} -> {result['rss_after']:.0f} MB | "
            f"{per_100:.1f} MB |",
            "",
            f"Runs took {result['elapsed']:.1f} s. daphne used {result['daphne_cpu']:.1f} s CPU for "
            f"{result['received']} socket sends ({sends_per_cpu_s:,.0f} sends per CPU second); the busiest "
            f"client process used {client_cpu:.1f} s CPU.",
            "",
            "Target: p95 <= 50 ms, no event lost.",
        ]
    )
    record("websocket", "Socket fan-out (bench/websocket.py)", body)


if __name__ == "__main__":
    main()
