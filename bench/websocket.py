"""Socket fan-out benchmark: N API sockets on one workflow while it runs a 5-node chain M times.

Delay = receipt time on the client - the event's `timestamp` (set by the worker when it published).
Also reports daphne's RSS before and after connecting the sockets (MB per 100 sockets).
Run: .venv/bin/python bench/websocket.py [--sockets 500] [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx
from common import machine_line, record, rss_mb, running_stack, summary_ms
from engine import chain_document
from websockets.asyncio.client import connect

EVENTS_PER_RUN = 1 + 6 * 2 + 1  # execution_started, running+success per node, execution_completed


async def listen(url: str, channel: str, ready: asyncio.Event, counter: list, delays: list, expected: int):
    async with connect(url, max_size=None, open_timeout=60, ping_interval=None) as ws:
        await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
        reply = json.loads(await ws.recv())
        assert reply["type"] == "subscribed", reply
        counter[0] += 1
        if counter[0] == counter[1]:
            ready.set()
        received = 0
        while received < expected:
            event = json.loads(await ws.recv())
            if event.get("type") == "ping":
                await ws.send(json.dumps({"type": "pong"}))
                continue
            delays.append(time.time() - event["timestamp"])
            received += 1
        return received


async def scenario(stack, sockets: int, runs: int) -> dict:
    slug = "bench-fanout"
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=60) as client:
        (await client.post("/api/v1/workflows/import/", json=chain_document(slug))).raise_for_status()
        rss_before = rss_mb(stack.procs["web"].pid)
        ready, counter, delays = asyncio.Event(), [0, sockets], []
        url = f"ws://127.0.0.1:{stack.port}/ws/?token={stack.api_key}"
        listeners = []
        for i in range(sockets):
            listeners.append(
                asyncio.create_task(
                    listen(url, f"workflow:{slug}", ready, counter, delays, runs * EVENTS_PER_RUN)
                )
            )
            if i % 50 == 49:
                await asyncio.sleep(0.05)  # do not SYN-flood the listen backlog
        await asyncio.wait_for(ready.wait(), 120)
        rss_after = rss_mb(stack.procs["web"].pid)
        for _ in range(runs):
            response = await client.post(f"/api/v1/webhooks/{slug}?wait=30", json={})
            assert response.status_code == 200, response.text
        received = await asyncio.wait_for(asyncio.gather(*listeners), 300)
    return {
        "delays": delays,
        "received": sum(received),
        "expected": sockets * runs * EVENTS_PER_RUN,
        "rss_before": rss_before,
        "rss_after": rss_after,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with running_stack(workers=1, concurrency=1) as stack:
        result = asyncio.run(scenario(stack, args.sockets, args.runs))
    stats = summary_ms(result["delays"])
    per_100 = (result["rss_after"] - result["rss_before"]) / args.sockets * 100
    lost = result["expected"] - result["received"]
    body = "\n".join(
        [
            "```",
            ".venv/bin/python bench/websocket.py   # or: make bench",
            "```",
            f"Machine: {machine_line()}. One daphne, one worker, Redis channel layer. {args.sockets} API sockets",
            f"subscribed to one workflow (webhook -> 5 code nodes) that runs {args.runs} times; each socket gets",
            f"{EVENTS_PER_RUN} events per run. Delay = receipt on the client - the `timestamp` the worker stamped.",
            "",
            "| sockets | events delivered | lost | delay p50 | p95 | max | daphne RSS idle -> connected | per 100 sockets |",
            "|---|---|---|---|---|---|---|---|",
            f"| {args.sockets} | {result['received']} / {result['expected']} | {lost} | {stats['p50']} ms | "
            f"**{stats['p95']} ms** | {stats['max']} ms | {result['rss_before']:.0f} -> {result['rss_after']:.0f} MB | "
            f"{per_100:.1f} MB |",
            "",
            "Target: p95 <= 50 ms, no event lost.",
        ]
    )
    record("websocket", "Socket fan-out (bench/websocket.py)", body)


if __name__ == "__main__":
    main()
