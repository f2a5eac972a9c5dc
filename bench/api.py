"""Graph API benchmark over real HTTP: daphne on a fresh SQLite database under var/bench/.

    .venv/bin/python bench/api.py [--runs 50] [--in-process]

Measures, for a 20-node / 19-edge workflow (a manual trigger followed by 19 code nodes in a chain):
building it one request at a time (1 workflow POST + 20 node POSTs + 19 edge POSTs), creating it as one
`POST /workflows/import/` document, and `GET /workflows/{slug}/` (p50 of --runs). Prints a Markdown
table for docs/benchmarks.md.
`--in-process` runs the same requests through Django's test client instead (no daphne, no sockets),
which separates the endpoints' own cost from the server's per-request floor (also reported, as
`GET /workflows/node-types/`, an authenticated endpoint that reads nothing but the key).
"""

from __future__ import annotations

import argparse
import json as _json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))
import stack  # noqa: E402

NODES = 20


def prepare_database(env: dict) -> str:
    """Migrate the fresh database and issue an API key; returns the raw key."""
    subprocess.run(
        [stack.python(), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    code = (
        "from apps.agents import services as s;"
        "u = s.user_create(username='bench', password='bench-password-1');"
        "print(s.api_key_create(user=u, name='bench').raw_key)"
    )
    out = subprocess.run(
        [stack.python(), "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return out.stdout.decode().strip().splitlines()[-1]


def graph_document(slug: str) -> dict:
    nodes = [{"node_id": "trigger", "component_type": "trigger_manual", "position_x": 0, "position_y": 0}]
    nodes += [
        {
            "node_id": f"code_{i}",
            "component_type": "code",
            "position_x": 200 * i,
            "position_y": 0,
            "config": {"code": f"result = {i}"},
        }
        for i in range(1, NODES)
    ]
    edges = [
        {"source_node_id": a["node_id"], "target_node_id": b["node_id"]}
        for a, b in zip(nodes, nodes[1:], strict=False)
    ]
    return {"workflow": {"name": f"Bench {slug}"}, "nodes": nodes, "edges": edges, "slug": slug}


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def ok(response, status: int):
    if response.status_code != status:
        raise SystemExit(
            f"-> {response.status_code}: {getattr(response, 'text', None) or response.content!r}"
        )
    return response


class InProcessClient:
    """The httpx calls bench/api.py makes, served by Django's test client in this process."""

    def __init__(self, raw_key: str):
        from django.test import Client

        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")

    def request(self, method: str, url: str, json=None):
        if method == "GET":
            return self.client.get(url)
        return self.client.generic(method, url, data=_json.dumps(json or {}), content_type="application/json")

    def get(self, url):
        return self.request("GET", url)

    def post(self, url, json=None):
        return self.request("POST", url, json)


def build_one_by_one(client: httpx.Client, slug: str) -> tuple[float, list[float]]:
    doc = graph_document(slug)
    per_request: list[float] = []

    def call(method, url, body, status):
        per_request.append(timed(lambda: ok(client.request(method, url, json=body), status)))

    start = time.perf_counter()
    call("POST", "/api/v1/workflows/", {"name": doc["workflow"]["name"], "slug": slug}, 201)
    for node in doc["nodes"]:
        call("POST", f"/api/v1/workflows/{slug}/nodes/", node, 201)
    for edge in doc["edges"]:
        call("POST", f"/api/v1/workflows/{slug}/edges/", edge, 201)
    return (time.perf_counter() - start) * 1000, per_request


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def measure(client, runs: int) -> dict:
    ok(client.get("/api/v1/workflows/"), 200)  # warm up: first key use, imports
    build_one_by_one(client, "warmup")
    totals, requests_ms = [], []
    for i in range(5):
        total, per_request = build_one_by_one(client, f"one-by-one-{i}")
        totals.append(total)
        requests_ms += per_request
    imports = [
        timed(lambda i=i: ok(client.post("/api/v1/workflows/import/", json=graph_document(f"imp-{i}")), 201))
        for i in range(runs)
    ]
    details = [timed(lambda: ok(client.get("/api/v1/workflows/one-by-one-0/"), 200)) for _ in range(runs)]
    floor = [timed(lambda: ok(client.get("/api/v1/workflows/node-types/"), 200)) for _ in range(runs)]
    return {
        "one_by_one_total_p50": statistics.median(totals),
        "one_by_one_request_p50": statistics.median(requests_ms),
        "import_p50": statistics.median(imports),
        "import_p95": p(imports, 0.95),
        "detail_p50": statistics.median(details),
        "detail_p95": p(details, 0.95),
        "floor_p50": statistics.median(floor),
        "runs": runs,
    }


def run_in_process(runs: int) -> dict:
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    db = bench_dir / f"api-inproc-{os.getpid()}.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("PIPELIT_RATE_LIMIT_REST", "100000000/60")
    os.environ.setdefault("REDIS_URL", stack.DEFAULT_REDIS_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipelit.settings")
    redis = stack.start_redis(os.environ["REDIS_URL"])
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from apps.agents import services

        user = services.user_create(username="bench", password="bench-password-1")
        return measure(InProcessClient(services.api_key_create(user=user, name="bench").raw_key), runs)
    finally:
        stack.stop(redis)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)


def run(runs: int) -> dict:
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    db = bench_dir / f"api-{os.getpid()}.sqlite3"
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{db}",
        PYTHONUNBUFFERED="1",
        PIPELIT_RATE_LIMIT_REST="100000000/60",  # one bench key sends far more than a person would
    )
    env.setdefault("REDIS_URL", stack.DEFAULT_REDIS_URL)
    redis = stack.start_redis(env["REDIS_URL"])
    port = stack.free_port()
    server = None
    try:
        raw_key = prepare_database(env)
        log = open(bench_dir / "daphne.log", "wb")  # noqa: SIM115 - handed to the child
        server = subprocess.Popen(
            [
                stack.python(),
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "pipelit.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack.wait_for_port(port, timeout=30, proc=server)
        headers = {"Authorization": f"Bearer {raw_key}", "Content-Type": "application/json"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as client:
            return measure(client, runs)
    finally:
        stack.stop(server)
        stack.stop(redis)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--in-process", action="store_true", help="Django test client instead of daphne")
    args = parser.parse_args()
    r = run_in_process(args.runs) if args.in_process else run(args.runs)
    print(
        f"transport: {'in-process test client' if args.in_process else 'HTTP to daphne'}; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    print(f"| measurement ({NODES} nodes, {NODES - 1} edges) | result | target |")
    print("|---|---|---|")
    print(
        f"| build one request at a time (40 requests), total, p50 of 5 | {r['one_by_one_total_p50']:.1f} ms "
        f"({r['one_by_one_request_p50']:.2f} ms per request p50) | — |"
    )
    print(
        f"| `POST /workflows/import/`, p50 / p95 of {r['runs']} | {r['import_p50']:.1f} / {r['import_p95']:.1f} ms | ≤ 30 ms |"
    )
    print(
        f"| `GET /workflows/{{slug}}/`, p50 / p95 of {r['runs']} | {r['detail_p50']:.2f} / {r['detail_p95']:.2f} ms | p50 ≤ 8 ms |"
    )
    print(
        f"| floor: `GET /workflows/node-types/` (auth only), p50 of {r['runs']} | {r['floor_p50']:.2f} ms | — |"
    )


if __name__ == "__main__":
    main()
