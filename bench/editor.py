"""Canvas editor benchmark: a 300-node workflow's editor page, server render and time-to-interactive.

    .venv/bin/python bench/editor.py [--runs 20]

Starts daphne the way `make run` does (bench/common.py), imports a 300-node / 299-edge workflow (a
manual trigger, then switch and code nodes in rows, chained) over REST, signs in through /login/, then
measures `GET /workflows/<slug>/` over HTTP (p50/p95 of --runs; target 300 ms) and, in Chromium, the
time from navigation start until canvas.js has attached its handlers (`body[data-canvas-ready]`,
`performance.now()` recorded by canvas.js; target 1.5 s). Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import machine_line, record, running_stack, summary_ms  # noqa: E402

NODES = 300
PER_ROW = 15
SLUG = "bench-editor-300"


def graph_document() -> dict:
    nodes = [{"node_id": "trigger", "component_type": "trigger_manual", "position_x": 0, "position_y": 0}]
    for i in range(1, NODES):
        kind = "switch" if i % 10 == 0 else "code"
        config = {"extra_config": {"rules": [{"id": "a", "field": "x", "operator": "equals", "value": "1"}]}}
        nodes.append(
            {
                "node_id": f"{kind}_{i}",
                "component_type": kind,
                "position_x": 260 * (i % PER_ROW),
                "position_y": 160 * (i // PER_ROW),
                "config": config if kind == "switch" else {"code": f"result = {i}"},
            }
        )
    edges = []
    for a, b in zip(nodes, nodes[1:], strict=False):
        edge = {"source_node_id": a["node_id"], "target_node_id": b["node_id"]}
        if a["component_type"] == "switch":
            edge.update(edge_type="conditional", condition_value="a")
        edges.append(edge)
    return {"workflow": {"name": "Editor bench"}, "nodes": nodes, "edges": edges, "slug": SLUG}


def login(client: httpx.Client, base: str) -> None:
    page = client.get(f"{base}/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(
        f"{base}/login/",
        data={"username": "bench", "password": "bench-pass-1", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
    )
    if response.status_code != 302:
        raise RuntimeError(f"login failed: {response.status_code}")


def server_render(client: httpx.Client, base: str, runs: int) -> tuple[list[float], int]:
    samples, size = [], 0
    for _ in range(runs + 2):
        start = time.perf_counter()
        response = client.get(f"{base}/workflows/{SLUG}/")
        samples.append(time.perf_counter() - start)
        response.raise_for_status()
        size = len(response.content)
    return samples[2:], size  # the first two warm caches


def time_to_interactive(base: str, cookies: httpx.Cookies, runs: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    samples = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.add_cookies([{"name": c.name, "value": c.value, "url": base} for c in cookies.jar])
        page = context.new_page()
        for _ in range(runs + 1):
            page.goto(f"{base}/workflows/{SLUG}/")
            page.wait_for_selector("body[data-canvas-ready]", state="attached")
            samples.append(float(page.locator("body").get_attribute("data-canvas-ready-ms")) / 1000)
        browser.close()
    return samples[1:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with running_stack(workers=0, beat=False) as stack:
        api = httpx.Client(headers={"Authorization": f"Bearer {stack.api_key}"}, timeout=60)
        response = api.post(f"{stack.url}/api/v1/workflows/import/", json=graph_document())
        if response.status_code != 201:
            raise RuntimeError(f"import failed: {response.status_code} {response.text[:300]}")
        web = httpx.Client(timeout=60)
        login(web, stack.url)
        render, size = server_render(web, stack.url, args.runs)
        tti = time_to_interactive(stack.url, web.cookies, max(5, args.runs // 2))
    render_ms, tti_ms = summary_ms(render), summary_ms(tti)
    body = f"""Machine: {machine_line()}. {NODES} nodes / {NODES - 1} edges (every tenth a switch with a
conditional edge), SQLite, daphne over loopback HTTP. Page size {size // 1024} KiB.

| Measure | n | p50 | p95 | max | Target |
|---|---|---|---|---|---|
| `GET /workflows/<slug>/` server render (ms) | {render_ms["n"]} | {render_ms["p50"]} | {render_ms["p95"]} | {render_ms["max"]} | ≤ 300 |
| Chromium time-to-interactive (ms, navigation start → canvas.js ready) | {tti_ms["n"]} | {tti_ms["p50"]} | {tti_ms["p95"]} | {tti_ms["max"]} | ≤ 1500 |
"""
    record("editor", "Canvas editor (300 nodes)", body)
    print(f"mean render {statistics.mean(render) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
