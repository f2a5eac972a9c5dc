"""Mixed load, with or without a fault, against the whole stack: error rate, p95s, nothing lost.

    .venv/bin/python bench/load.py                            # 10 minutes, no fault
    .venv/bin/python bench/load.py --minutes 3 --fault redis     # Redis killed, restarted 15 s later
    .venv/bin/python bench/load.py --minutes 3 --fault postgres  # a private PostgreSQL restarted mid-load
    .venv/bin/python bench/load.py --minutes 3 --fault worker    # the worker SIGKILLed every 30 s

Traffic for the whole run: REST threads (create a workflow, add a node, patch it, read it, delete it),
webhook threads (POST, 202 + execution id, paced), a chat thread (an agent answered by the loopback fake
OpenAI server) and N API sockets subscribed to the webhook workflow (they reconnect when dropped).
Then traffic stops and the script waits until every ACCEPTED execution has ended; `stuck` counts those
that did not within --settle seconds. Results go to docs/reliability.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faults  # noqa: E402

PENDING_REQUEUE_SECONDS = 15  # the watchdog re-enqueues accepted runs whose task was lost with Redis


class Recorder:
    """Per-kind latencies and outcomes; 503s inside a fault window are refusals, not errors."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.accepted: list[str] = []
        self.fault_window = False

    def add(self, kind: str, seconds: float, status: int | str) -> None:
        with self.lock:
            self.samples[kind].append(seconds)
            if isinstance(status, int) and status < 500:
                label = "ok" if status < 400 else f"{status}"
            elif status == 503 and self.fault_window:
                label = "503 during fault"
            elif self.fault_window:
                label = f"{status} during fault"
            else:
                label = f"error {status}"
            self.outcomes[kind][label] += 1


def rest_loop(stack, rec: Recorder, stop: threading.Event, index: int) -> None:
    import httpx

    headers = {"Authorization": f"Bearer {stack.api_key}"}
    with httpx.Client(base_url=stack.url + "/api/v1", headers=headers, timeout=30) as client:
        n = 0
        while not stop.is_set():
            n += 1
            slug = f"load-rest-{index}-{n}"
            steps = [
                ("post", "/workflows/", {"name": slug, "slug": slug}),
                ("post", f"/workflows/{slug}/nodes/", {"node_id": "t", "component_type": "trigger_manual"}),
                ("patch", f"/workflows/{slug}/nodes/t/", {"label": "renamed"}),
                ("get", f"/workflows/{slug}/", None),
                ("delete", f"/workflows/{slug}/", None),
            ]
            for method, path, body in steps:
                started = time.perf_counter()
                try:
                    response = client.request(method, path, json=body)
                    status = response.status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                rec.add("rest", time.perf_counter() - started, status)
                if status not in (200, 201, 204):
                    break
            stop.wait(0.05)


def trigger_loop(stack, rec: Recorder, stop: threading.Event, kind: str, path: str, body, period: float):
    import httpx

    headers = {"Authorization": f"Bearer {stack.api_key}"}
    with httpx.Client(base_url=stack.url + "/api/v1", headers=headers, timeout=30) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                response = client.post(path, json=body)
                status = response.status_code
                if status in (200, 202):
                    with rec.lock:
                        rec.accepted.append(response.json()["execution_id"])
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            elapsed = time.perf_counter() - started
            rec.add(kind, elapsed, status)
            stop.wait(max(0.0, period - elapsed))


async def socket_fleet(url: str, channel: str, count: int, stop: threading.Event, stats: dict) -> None:
    from websockets.asyncio.client import connect

    async def one() -> None:
        while not stop.is_set():
            try:
                async with connect(url, open_timeout=60, ping_interval=None) as ws:
                    await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
                    while not stop.is_set():
                        try:
                            message = json.loads(await asyncio.wait_for(ws.recv(), 1))
                        except TimeoutError:
                            continue
                        if message.get("type") == "ping":
                            await ws.send(json.dumps({"type": "pong"}))
                        elif message.get("type") == "subscribed":
                            stats["subscribed"] += 1
                        else:
                            stats["events"] += 1
            except Exception as exc:  # noqa: BLE001 - any drop: count it and reconnect
                stats[f"last: {type(exc).__name__}: {exc}"[:120]] = 1
                if not stop.is_set():
                    stats["drops"] += 1
                    await asyncio.sleep(1)

    tasks = []
    for i in range(count):
        tasks.append(asyncio.create_task(one()))
        if i % 20 == 19:
            await asyncio.sleep(0.5)  # ramp up: a burst of handshakes on a busy machine times out
    await asyncio.gather(*tasks)


def setup_workflows(stack, fake_url: str) -> None:
    import httpx
    from engine import chain_document

    headers = {"Authorization": f"Bearer {stack.api_key}"}
    with httpx.Client(base_url=stack.url + "/api/v1", headers=headers, timeout=60) as client:
        client.post("/workflows/import/", json=chain_document("load-hook")).raise_for_status()
        credential = client.post(
            "/credentials/",
            json={
                "name": "load-llm",
                "credential_type": "llm",
                "detail": {"provider_type": "openai_compatible", "api_key": "sk-load", "base_url": fake_url},
            },
        )
        credential.raise_for_status()
        chat = {
            "format": "pipelit.workflow",
            "version": 1,
            "workflow": {"name": "load-chat", "slug": "load-chat"},
            "nodes": [
                {"node_id": "chat", "component_type": "trigger_chat", "config": {}},
                {"node_id": "agent", "component_type": "agent", "config": {"system_prompt": "Be brief."}},
                {
                    "node_id": "model",
                    "component_type": "ai_model",
                    "config": {"credential_id": credential.json()["id"], "model_name": "gpt-4o-mini"},
                },
            ],
            "edges": [
                {"source_node_id": "chat", "target_node_id": "agent"},
                {"source_node_id": "model", "target_node_id": "agent", "edge_label": "llm"},
            ],
        }
        client.post("/workflows/import/", json=chat).raise_for_status()


def settle(accepted: list[str], timeout: float) -> dict[str, int]:
    """Wait until every accepted execution is terminal; returns the count per final status."""
    from django.db import connection

    from apps.execution.models import WorkflowExecution

    terminal = {"completed", "failed", "cancelled"}
    deadline = time.monotonic() + timeout
    while True:
        connection.close()  # the database may have restarted under us
        counts: dict[str, int] = defaultdict(int)
        for i in range(0, len(accepted), 500):
            rows = WorkflowExecution.objects.filter(execution_id__in=accepted[i : i + 500])
            for status in rows.values_list("status", flat=True):
                counts[status] += 1
        counts["missing"] = len(accepted) - sum(counts.values())
        if (
            all(status in terminal for status, n in counts.items() if n and status != "missing")
            and not (counts["missing"])
        ):
            return dict(counts)
        if time.monotonic() > deadline:
            return dict(counts)
        time.sleep(2)


def run(args) -> dict:
    from common import django_setup, running_stack

    from tests.fakes.openai_server import FakeOpenAI

    fake = FakeOpenAI().start()
    rec, stop = Recorder(), threading.Event()
    socket_stats: dict[str, int] = defaultdict(int)
    env = {"EXECUTION_PENDING_REQUEUE_SECONDS": str(PENDING_REQUEUE_SECONDS)}
    with (
        faults.environment(args.fault) as fault_env,
        running_stack(workers=1, concurrency=2, **env, **fault_env) as stack,
    ):
        django_setup(stack.env)
        setup_workflows(stack, fake.url + "/v1")
        threads = [threading.Thread(target=rest_loop, args=(stack, rec, stop, i)) for i in range(2)]
        threads += [
            threading.Thread(
                target=trigger_loop,
                args=(stack, rec, stop, "webhook", "/webhooks/load-hook", {"n": 1}, 2 / args.webhook_rate),
            )
            for _ in range(2)
        ]
        threads.append(
            threading.Thread(
                target=trigger_loop,
                args=(
                    stack,
                    rec,
                    stop,
                    "chat",
                    "/workflows/load-chat/chat/",
                    {"text": "hi"},
                    1 / args.chat_rate,
                ),
            )
        )
        socket_url = f"ws://127.0.0.1:{stack.port}/ws/?token={stack.api_key}"
        threads.append(
            threading.Thread(
                target=lambda: asyncio.run(
                    socket_fleet(socket_url, "workflow:load-hook", args.sockets, stop, socket_stats)
                )
            )
        )
        for thread in threads:
            thread.start()
        started = time.monotonic()
        fault_log = faults.inject(args.fault, stack, rec, stop, args.minutes * 60)
        stop.wait(max(0.0, args.minutes * 60 - (time.monotonic() - started)))
        stop.set()
        for thread in threads:
            thread.join(120)
        final = settle(rec.accepted, args.settle)
        rss = stack.rss()
    fake.stop()
    return {"rec": rec, "sockets": dict(socket_stats), "final": final, "fault_log": fault_log, "rss": rss}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--webhook-rate", type=float, default=4, help="webhooks per second")
    parser.add_argument("--chat-rate", type=float, default=0.5, help="chat messages per second")
    parser.add_argument("--settle", type=float, default=180, help="seconds to wait for accepted runs")
    parser.add_argument("--fault", choices=["none", "redis", "postgres", "worker"], default="none")
    args = parser.parse_args()
    os.environ.setdefault("BENCH_LOG_LEVEL", "ERROR")
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    result = run(args)
    import report

    report.write(args, result)


if __name__ == "__main__":
    main()
