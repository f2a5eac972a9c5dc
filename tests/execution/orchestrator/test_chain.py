"""A light plan that is one path runs as one graph step (chain.py), and nothing a run reports or
returns differs from running one step per node."""

import dataclasses

import pytest

from apps.execution.graph import snapshot_from_dict
from apps.execution.orchestrator import InMemoryReporter, compiler, run_graph
from apps.execution.orchestrator.chain import REDUCERS, fold
from apps.workflows import registry
from apps.workflows.registry import Category, node_type
from tests.execution.conftest import _step


@pytest.fixture
def quick_types(step_types):
    """`t_quick`: the test step, registered as a light node."""
    node_type("t_quick", display_name="Test quick step", category=Category.LOGIC, light=True)(_step)
    compiler.clear_cache()
    yield step_types
    registry.unregister("t_quick")
    compiler.clear_cache()


def graph(nodes, edges, slug="chain"):
    return snapshot_from_dict(
        {"slug": slug, "nodes": [{"id": "t", "type": "trigger_manual"}, *nodes], "edges": edges}
    )


def quick(node_id, **config):
    return {"id": node_id, "type": "t_quick", "config": config}


def both_ways(monkeypatch, snapshot, payload=None, reporter_setup=None):
    """(outcome, reporter) run as one chain step, then as one step per node."""
    runs = []
    for chained in (True, False):
        if not chained:
            monkeypatch.setattr(compiler, "_is_path", lambda topology: False)
        compiler.clear_cache()
        plan = compiler.compile_plan(snapshot, "t")
        assert (plan.chain_graph is not None) is chained
        reporter = InMemoryReporter()
        if reporter_setup:
            reporter_setup(reporter)
        outcome = run_graph(snapshot, "t", payload or {}, reporter, execution_id=f"chain-{chained}")
        runs.append((outcome, reporter))
    return runs


class StreamSpy:
    """Stands in for a compiled graph and counts the runs that went through it."""

    def __init__(self, graph):
        self.graph, self.streams = graph, 0

    def stream(self, *args, **kwargs):
        self.streams += 1
        return self.graph.stream(*args, **kwargs)


def test_a_light_run_of_a_path_goes_through_the_chain_graph(quick_types):
    snapshot = graph([quick("a"), quick("b")], ["t -> a", "a -> b"])
    plan = compiler.compile_plan(snapshot, "t")
    spy = StreamSpy(plan.chain_graph)
    key = next(iter(compiler._cache))
    compiler._cache[key] = dataclasses.replace(plan, chain_graph=spy)
    outcome = run_graph(snapshot, "t", {}, InMemoryReporter(), execution_id="spied")
    assert outcome.status == "completed"
    assert spy.streams == 1


def comparable(outcome, reporter):
    return {
        "status": outcome.status,
        "error": outcome.error,
        "error_code": outcome.error_code,
        "final_output": outcome.final_output,
        "results": {k: (str(r.status), r.data, r.error_code) for k, r in outcome.node_results.items()},
        "outputs": outcome.node_outputs,
        "usage": outcome.token_usage,
        "sequence": reporter.sequence(),
    }


def test_only_a_light_path_gets_a_chain_graph(quick_types):
    path = graph([quick("a"), quick("b")], ["t -> a", "a -> b"])
    fork = graph([quick("a"), quick("b")], ["t -> a", "t -> b"], slug="fork")
    heavy = graph([quick("a"), {"id": "b", "type": "t_step"}], ["t -> a", "a -> b"], slug="heavy")
    assert compiler.compile_plan(path, "t").chain_graph is not None
    assert compiler.compile_plan(fork, "t").chain_graph is None
    assert compiler.compile_plan(heavy, "t").chain_graph is None


def test_a_chain_reports_and_returns_what_one_step_per_node_does(quick_types, monkeypatch):
    usage = {"total_tokens": 3, "llm_calls": 1}
    snapshot = graph(
        [
            quick("a", **{"return": {"output": 1, "_token_usage": usage, "_state_patch": {"k": "v"}}}),
            quick("b", **{"return": {"output": "{{ a.output }}", "_token_usage": usage}}),
            quick("c"),
        ],
        ["t -> a", "a -> b", "b -> c"],
    )
    (chained, chained_reporter), (stepped, stepped_reporter) = both_ways(monkeypatch, snapshot, {"x": 1})
    assert chained.status == "completed"
    assert chained.token_usage["total_tokens"] == 6
    assert chained.node_outputs["c"]["seen"] == ["b"]
    assert comparable(chained, chained_reporter) == comparable(stepped, stepped_reporter)
    assert chained_reporter.sequence() == [
        (kind, node) for node in ("t", "a", "b", "c") for kind in ("running", "success")
    ]


def test_a_failure_mid_chain_skips_the_rest_as_separate_steps_would(quick_types, monkeypatch):
    snapshot = graph(
        [quick("a"), quick("b", fail_times=1, retryable=False, error_code="boom"), quick("c"), quick("d")],
        ["t -> a", "a -> b", "b -> c", "c -> d"],
    )
    (chained, chained_reporter), (stepped, stepped_reporter) = both_ways(monkeypatch, snapshot)
    assert chained.status == "failed"
    assert chained.error_code == "boom"
    assert chained.failed_node_id == "b"
    assert chained_reporter.statuses() == {
        "t": "success",
        "a": "success",
        "b": "failed",
        "c": "skipped",
        "d": "skipped",
    }
    assert comparable(chained, chained_reporter) == comparable(stepped, stepped_reporter)


def test_a_switch_that_routes_away_skips_the_rest_of_the_chain(quick_types, monkeypatch):
    snapshot = graph(
        [quick("a", **{"return": {"output": 1, "_route": "no"}}), quick("b"), quick("c")],
        ["t -> a", {"source": "a", "target": "b", "condition": "yes"}, "b -> c"],
    )
    (chained, chained_reporter), (stepped, stepped_reporter) = both_ways(monkeypatch, snapshot)
    assert chained.status == "completed"
    assert chained_reporter.statuses() == {"t": "success", "a": "success", "b": "skipped", "c": "skipped"}
    assert comparable(chained, chained_reporter) == comparable(stepped, stepped_reporter)


def test_a_cancel_is_seen_at_the_next_node_boundary_inside_the_chain(quick_types, monkeypatch):
    snapshot = graph([quick("a"), quick("b"), quick("c")], ["t -> a", "a -> b", "b -> c"])

    def cancel_after_a(reporter):
        finished = reporter.node_finished

        def node_finished(node_id, result):
            finished(node_id, result)
            if node_id == "a":
                reporter.cancel()

        reporter.node_finished = node_finished

    (chained, chained_reporter), (stepped, stepped_reporter) = both_ways(
        monkeypatch, snapshot, reporter_setup=cancel_after_a
    )
    assert chained.status == "cancelled"
    assert chained_reporter.statuses() == {"t": "success", "a": "success", "b": "skipped", "c": "skipped"}
    assert comparable(chained, chained_reporter) == comparable(stepped, stepped_reporter)


def test_fold_applies_each_key_as_the_state_reducers_do():
    state = {
        "node_outputs": {"a": {"x": 1}},
        "halt": {"status": "failed"},
        "token_usage": {"n": 1},
        "route": "x",
    }
    fold(
        state,
        {"node_outputs": {"b": {}}, "halt": {"status": "cancelled"}, "token_usage": {"n": 2}, "route": "y"},
    )
    assert state == {
        "node_outputs": {"a": {"x": 1}, "b": {}},
        "halt": {"status": "failed"},  # the first reason wins
        "token_usage": {"n": 3},
        "route": "y",
    }
    empty: dict = {}
    fold(empty, {"messages": [("user", "hi")]})  # a first write is taken as it is, reduced later
    assert empty == {"messages": [("user", "hi")]}
    assert set(REDUCERS) >= {"messages", "node_outputs", "node_results", "halt", "token_usage", "routes"}
