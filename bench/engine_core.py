"""Engine benchmark: per-node overhead, a 5-code-node chain end to end, sandbox cold vs warm latency.

Run: .venv/bin/python bench/engine_core.py   (no database needed; in-process, no HTTP)
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipelit.settings")

import django  # noqa: E402

django.setup()

from langgraph.graph import START, StateGraph  # noqa: E402

from apps.execution.graph import snapshot_from_dict  # noqa: E402
from apps.execution.orchestrator import InMemoryReporter, run_graph  # noqa: E402
from apps.execution.sandbox import SandboxPool, run_snippet  # noqa: E402
from apps.execution.sandbox.zygote import get_forked_pool  # noqa: E402
from apps.execution.state import WorkflowState, initial_state, merge_dicts  # noqa: E402
from apps.workflows.registry import Category, node_type, unregister  # noqa: E402


class NullReporter:
    def node_running(self, node_id, input):
        pass

    def node_finished(self, node_id, result):
        pass

    def should_cancel(self):
        return False


def _ms(samples: list[float]) -> str:
    samples = sorted(samples)
    p50 = statistics.median(samples) * 1000
    p95 = samples[int(len(samples) * 0.95) - 1] * 1000
    return f"p50 {p50:.3f} ms, p95 {p95:.3f} ms"


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def bare_langgraph(nodes: int):
    def mk(name):
        def f(state):
            return {"node_outputs": {name: {"output": 1}}}

        return f

    g = StateGraph(WorkflowState)
    names = [f"n{i}" for i in range(nodes)]
    for n in names:
        g.add_node(n, mk(n))
    g.add_edge(START, names[0])
    for a, b in zip(names, names[1:], strict=False):
        g.add_edge(a, b)
    compiled = g.compile()
    return lambda: compiled.invoke(initial_state(trigger={}, execution_id="b"))


def per_node_overhead(n_runs: int = 300) -> None:
    node_type("bench_noop", display_name="noop", category=Category.LOGIC)(lambda ctx: {"output": 1})
    try:
        results = {}
        for length in (1, 21):
            snapshot = snapshot_from_dict(
                {
                    "nodes": [
                        {"id": f"n{i}", "type": "bench_noop", "config": {"v": "x"}} for i in range(length)
                    ],
                    "edges": [f"n{i} -> n{i + 1}" for i in range(length - 1)],
                }
            )
            run = lambda s=snapshot: run_graph(s, "n0", {}, NullReporter(), execution_id="b")  # noqa: E731
            run()
            results[length] = statistics.median(timed(run, n_runs))
            lg = bare_langgraph(length)
            lg()
            results[("lg", length)] = statistics.median(timed(lg, n_runs))
        engine_per_node = (results[21] - results[1]) / 20 * 1000
        lg_per_node = (results[("lg", 21)] - results[("lg", 1)]) / 20 * 1000
        print(f"engine per node (no-op component, in-memory reporter): {engine_per_node:.3f} ms")
        print(f"  of which bare LangGraph superstep per node:           {lg_per_node:.3f} ms")
        print(
            f"  engine's own work per node:                           {engine_per_node - lg_per_node:.3f} ms"
        )
        print(f"fixed cost per run (1-node graph, cached compile):      {results[1] * 1000:.3f} ms")
    finally:
        unregister("bench_noop")


def code_chain(n_runs: int = 20) -> None:
    snapshot = snapshot_from_dict(
        {
            "nodes": [{"id": "t", "type": "trigger_manual"}]
            + [{"id": "c0", "type": "code", "config": {"code": "return 1"}}]
            + [{"id": f"c{i}", "type": "code", "config": {"code": "return input + 1"}} for i in range(1, 5)],
            "edges": ["t -> c0"] + [f"c{i} -> c{i + 1}" for i in range(4)],
        }
    )
    run_graph(snapshot, "t", {}, InMemoryReporter(), execution_id="b")
    samples = []
    for _ in range(n_runs):
        time.sleep(0.1)
        t = time.perf_counter()
        outcome = run_graph(snapshot, "t", {}, InMemoryReporter(), execution_id="b")
        samples.append(time.perf_counter() - t)
        assert outcome.status == "completed", outcome.error
    print(f"manual trigger -> 5 code nodes, in-process, fork server: {_ms(samples)}")


def sandbox_latency(n: int = 20) -> None:
    warm_pool = SandboxPool(size=2)
    warm = []
    for _ in range(n):
        warm_pool.wait_ready(timeout=30)
        warm.append(run_snippet("result = 1", pool=warm_pool).duration_ms / 1000)
    warm_pool.close()
    cold_pool = SandboxPool(size=0)
    cold = [run_snippet("result = 1", pool=cold_pool).duration_ms / 1000 for _ in range(n // 2)]
    cold_pool.close()
    get_forked_pool()
    time.sleep(0.5)
    forked = []
    for _ in range(n):
        time.sleep(0.05)  # steady state: the forked children were replenished
        forked.append(run_snippet("result = 1").duration_ms / 1000)
    burst = [run_snippet("result = 1").duration_ms / 1000 for _ in range(n)]
    print(f"sandbox snippet, pre-forked child (default): {_ms(forked)}")
    print(f"sandbox snippet, fork server back to back:   {_ms(burst)}")
    print(f"sandbox snippet, warm pool process:          {_ms(warm)}")
    print(f"sandbox snippet, cold interpreter start:     {_ms(cold)}")


if __name__ == "__main__":
    assert merge_dicts({}, {}) == {}
    per_node_overhead()
    sandbox_latency()
    code_chain()
