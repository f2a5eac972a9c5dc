"""run_graph flow semantics with test node types (t_step etc. from tests/execution/conftest.py)."""

import time

import pytest

from apps.execution.orchestrator import InMemoryReporter, compiler
from apps.execution.results import NodeStatus
from tests.execution.helpers import run_snapshot, statuses


def graph(nodes, edges, **extra):
    return {"slug": "wf", "nodes": [{"type": "t_step", **n} for n in nodes], "edges": edges, **extra}


def step(node_id, **config):
    return {"id": node_id, "config": config}


def test_chain_runs_in_order_and_reports_running_then_success(step_types):
    reporter = InMemoryReporter()
    outcome = run_snapshot(
        graph([step("t", value=1), step("a", value=2), step("b")], ["t -> a", "a -> b"]), reporter=reporter
    )
    assert outcome.status == "completed"
    assert reporter.sequence() == [
        ("running", "t"),
        ("success", "t"),
        ("running", "a"),
        ("success", "a"),
        ("running", "b"),
        ("success", "b"),
    ]
    assert outcome.node_outputs["b"] == {"output": 2, "seen": ["a"]}
    assert outcome.final_output == {"output": 2, "seen": ["a"]}


def test_node_results_carry_duration_and_retry_count(step_types):
    outcome = run_snapshot(graph([step("t")], []))
    meta = outcome.node_results["t"].metadata
    assert meta["retry_count"] == 0 and meta["duration_ms"] >= 0
    assert outcome.node_results["t"].started_at is not None


def test_fan_out_branches_run_in_parallel(step_types):
    nodes = [
        step("t"),
        step("a", sleep=0.3, value="A"),
        step("b", sleep=0.3, value="B"),
        {"id": "m", "type": "t_join"},
    ]
    outcome = run_snapshot(graph(nodes, ["t -> a", "t -> b", "a -> m", "b -> m"]))
    assert outcome.status == "completed"
    a, b = outcome.node_results["a"], outcome.node_results["b"]
    # Both 0.3 s sleeps were under way at the same time (not a wall-clock bound: a busy machine
    # may stretch the run, but sequential branches could never overlap).
    assert max(a.started_at, b.started_at) < min(a.completed_at, b.completed_at)
    assert set(outcome.node_outputs["m"]["seen"]) == {"a", "b"}


def test_fan_in_runs_once_after_branches_of_different_lengths(step_types):
    nodes = [step("t"), step("a"), step("a2"), step("a3"), step("b"), {"id": "m", "type": "t_join"}]
    reporter = InMemoryReporter()
    outcome = run_snapshot(
        graph(nodes, ["t -> a", "a -> a2", "a2 -> a3", "t -> b", "a3 -> m", "b -> m"]), reporter=reporter
    )
    assert [e for e in reporter.sequence() if e[1] == "m"] == [("running", "m"), ("success", "m")]
    assert outcome.node_outputs["m"]["seen"] == ["a3", "b"]


def _routed(route, conditions=("x", "y", "default")):
    nodes = [
        step("t"),
        {"id": "r", "type": "t_route", "config": {"return": {"route": route, "_route": route}}},
    ]
    nodes += [step(f"n_{c}", value=c) for c in conditions] + [{"id": "m", "type": "t_join"}, step("after")]
    edges = ["t -> r"] + [{"source": "r", "target": f"n_{c}", "condition": c} for c in conditions]
    edges += [f"n_{c} -> m" for c in conditions] + ["m -> after"]
    return graph(nodes, edges)


def test_route_runs_only_the_matching_conditional_edge_and_skips_the_rest(step_types):
    reporter = InMemoryReporter()
    outcome = run_snapshot(_routed("y"), reporter=reporter)
    assert outcome.status == "completed"
    assert statuses(outcome) == {
        "t": "success",
        "r": "success",
        "n_x": "skipped",
        "n_y": "success",
        "n_default": "skipped",
        "m": "success",
        "after": "success",
    }
    assert outcome.node_results["n_x"].metadata["reason"] == "route did not match"
    assert outcome.node_outputs["m"]["seen"] == ["n_y"]
    assert ("skipped", "n_x") in reporter.sequence()


def test_unmatched_route_takes_the_default_edge(step_types):
    outcome = run_snapshot(_routed("zzz"))
    assert statuses(outcome)["n_default"] == "success"
    assert statuses(outcome)["n_x"] == statuses(outcome)["n_y"] == "skipped"


def test_nodes_behind_a_skipped_branch_are_skipped_too(step_types):
    nodes = [
        step("t"),
        {"id": "r", "type": "t_route", "config": {"return": {"_route": "a"}}},
        step("a"),
        step("b"),
        step("b2"),
    ]
    edges = [
        "t -> r",
        {"source": "r", "target": "a", "condition": "a"},
        {"source": "r", "target": "b", "condition": "b"},
        "b -> b2",
    ]
    outcome = run_snapshot(graph(nodes, edges))
    assert statuses(outcome)["b2"] == "skipped"
    assert outcome.node_results["b2"].metadata["reason"] == "no live upstream branch"
    assert outcome.final_output == {"output": None, "seen": ["r"]}


def test_a_failed_node_fails_the_execution_and_skips_downstream(step_types):
    reporter = InMemoryReporter()
    nodes = [step("t"), step("bad", **{"raise": "boom"}), step("after")]
    outcome = run_snapshot(graph(nodes, ["t -> bad", "bad -> after"]), reporter=reporter)
    assert outcome.status == "failed"
    assert outcome.error == "boom" and outcome.error_code == "ValueError" and outcome.failed_node_id == "bad"
    assert statuses(outcome) == {"t": "success", "bad": "failed", "after": "skipped"}
    assert outcome.final_output is None
    assert reporter.statuses()["after"] == "skipped"


def test_a_parallel_branch_already_running_finishes_but_nothing_new_starts_after_a_failure(step_types):
    nodes = [
        step("t"),
        step("bad", **{"raise": "x"}),
        step("slow", sleep=0.1),
        step("slow2"),
        {"id": "m", "type": "t_join"},
    ]
    outcome = run_snapshot(graph(nodes, ["t -> bad", "t -> slow", "slow -> slow2", "bad -> m", "slow2 -> m"]))
    assert statuses(outcome) == {
        "t": "success",
        "bad": "failed",
        "slow": "success",
        "slow2": "skipped",
        "m": "skipped",
    }


def test_retries_with_backoff_until_the_node_succeeds(step_types):
    nodes = [
        step("t"),
        {"id": "flaky", "type": "t_step", "max_retries": 2, "config": {"fail_times": 2, "value": "ok"}},
    ]
    reporter = InMemoryReporter()
    outcome = run_snapshot(graph(nodes, ["t -> flaky"]), reporter=reporter)
    assert outcome.status == "completed"
    assert outcome.node_results["flaky"].metadata["retry_count"] == 2
    assert [e for e in reporter.sequence() if e[1] == "flaky"] == [("running", "flaky"), ("success", "flaky")]


def test_exhausted_retries_fail_with_the_last_error(step_types):
    nodes = [
        step("t"),
        {"id": "flaky", "type": "t_step", "max_retries": 1, "config": {"fail_times": 5, "error_code": "E42"}},
    ]
    outcome = run_snapshot(graph(nodes, ["t -> flaky"]))
    assert outcome.status == "failed" and outcome.error_code == "E42" and outcome.error == "planned failure 2"
    assert outcome.node_results["flaky"].metadata["retry_count"] == 1


def test_non_retryable_errors_are_not_retried(step_types):
    nodes = [
        step("t"),
        {"id": "n", "type": "t_step", "max_retries": 3, "config": {"fail_times": 1, "retryable": False}},
    ]
    outcome = run_snapshot(graph(nodes, ["t -> n"]))
    assert outcome.status == "failed" and outcome.node_results["n"].metadata["retry_count"] == 0


def test_retry_backoff_doubles(step_types):
    nodes = [step("t"), {"id": "n", "type": "t_step", "max_retries": 2, "config": {"fail_times": 2}}]
    started = time.perf_counter()
    run_snapshot(graph(nodes, ["t -> n"]), retry_backoff_seconds=0.05)
    assert time.perf_counter() - started >= 0.05 + 0.1


def test_max_execution_seconds_stops_at_the_next_node_boundary(step_types):
    nodes = [step("t"), step("slow", sleep=0.3), step("next")]
    outcome = run_snapshot(graph(nodes, ["t -> slow", "slow -> next"], max_execution_seconds=0.2))
    assert outcome.status == "failed" and outcome.error_code == "ExecutionTimeoutError"
    assert "max_execution_seconds" in outcome.error
    assert statuses(outcome)["next"] == "skipped"


def test_max_execution_seconds_returns_even_while_a_component_hangs(step_types):
    reporter = InMemoryReporter()
    nodes = [step("t"), step("hang", sleep=1.5), step("after")]
    started = time.perf_counter()
    outcome = run_snapshot(
        graph(nodes, ["t -> hang", "hang -> after"], max_execution_seconds=0.3), reporter=reporter
    )
    assert time.perf_counter() - started < 1.0
    assert outcome.status == "failed" and outcome.error_code == "ExecutionTimeoutError"
    assert reporter.statuses() == {"t": "success", "hang": "failed", "after": "skipped"}
    time.sleep(1.4)  # the abandoned component finishes: nothing more is reported
    assert reporter.statuses() == {"t": "success", "hang": "failed", "after": "skipped"}


def test_cancellation_is_checked_at_each_node_boundary(step_types):
    reporter = InMemoryReporter()

    class CancelAfterFirst(InMemoryReporter):
        def node_finished(self, node_id, result):
            super().node_finished(node_id, result)
            if node_id == "a":
                self.cancel()

    reporter = CancelAfterFirst()
    outcome = run_snapshot(
        graph([step("t"), step("a"), step("b"), step("c")], ["t -> a", "a -> b", "b -> c"]), reporter=reporter
    )
    assert outcome.status == "cancelled" and outcome.error_code == "ExecutionCancelled"
    assert statuses(outcome) == {"t": "success", "a": "success", "b": "skipped", "c": "skipped"}


def test_unconnected_nodes_and_other_trigger_branches_do_not_run(step_types):
    nodes = [step("t"), step("a"), step("t2"), step("b"), step("lonely")]
    outcome = run_snapshot(graph(nodes, ["t -> a", "t2 -> b"]), trigger="t")
    assert set(outcome.node_results) == {"t", "a"}


def test_sub_components_and_non_executable_nodes_are_not_run(step_types):
    nodes = [step("t"), step("agent"), {"id": "model", "type": "t_model"}, {"id": "note", "type": "t_static"}]
    edges = ["t -> agent", {"source": "model", "target": "agent", "label": "llm"}, "t -> note"]
    outcome = run_snapshot(graph(nodes, edges))
    assert set(outcome.node_results) == {"t", "agent"}
    from tests.execution.conftest import STEP_CALLS

    agent_ctx = next(c for c in STEP_CALLS if c.node_id == "agent")
    assert [n.node_id for n in agent_ctx.attached("llm")] == ["model"]


def test_node_ids_may_collide_with_state_keys(step_types):
    nodes = [step("trigger"), step("messages"), step("node_outputs")]
    outcome = run_snapshot(
        graph(nodes, ["trigger -> messages", "messages -> node_outputs"]), trigger="trigger"
    )
    assert outcome.status == "completed" and len(outcome.node_results) == 3


def test_expressions_in_config_resolve_against_upstream_outputs_and_trigger(step_types):
    nodes = [
        step("t", value={"n": 41}),
        step("a", value="{{ trigger.text }}-{{ t.output.n + 1 }}"),
        step("b", value="{{ a.output }}"),
    ]
    outcome = run_snapshot(graph(nodes, ["t -> a", "a -> b"]), {"text": "hi"})
    assert outcome.node_outputs["a"]["output"] == "hi-42"
    assert outcome.node_outputs["b"]["output"] == "hi-42"


def test_compiled_graphs_are_cached_by_structure_and_trigger(step_types):
    g = graph([step("t"), step("a")], ["t -> a"])
    compiler.clear_cache()
    run_snapshot(g)
    run_snapshot(g)
    assert compiler.cache_size() == 1
    run_snapshot(graph([step("t"), step("a", value=2)], ["t -> a"]))
    assert compiler.cache_size() == 2


def test_a_cycle_or_unknown_type_fails_cleanly_without_running(step_types):
    outcome = run_snapshot(graph([step("t"), step("a"), step("b")], ["t -> a", "a -> b", "b -> a"]))
    assert outcome.status == "failed" and outcome.error_code == "invalid_graph" and "cycle" in outcome.error
    unknown = run_snapshot(
        {"nodes": [{"id": "t", "type": "t_step"}, {"id": "x", "type": "nope"}], "edges": ["t -> x"]},
        trigger="t",
    )
    assert unknown.error_code == "invalid_graph" and "unknown type" in unknown.error


def test_parallel_sinks_give_a_final_output_keyed_by_node(step_types):
    outcome = run_snapshot(graph([step("t"), step("a", value=1), step("b", value=2)], ["t -> a", "t -> b"]))
    assert outcome.final_output == {"a": {"output": 1, "seen": ["t"]}, "b": {"output": 2, "seen": ["t"]}}


@pytest.mark.parametrize("status", [NodeStatus.SUCCESS])
def test_every_reachable_node_gets_exactly_one_result(step_types, status):
    reporter = InMemoryReporter()
    run_snapshot(_routed("x"), reporter=reporter)
    finished = [n for kind, n in reporter.sequence() if kind != "running"]
    assert sorted(finished) == sorted(set(finished)) and len(finished) == 7


def test_running_events_carry_the_node_input(step_types):
    from apps.execution.orchestrator import NodeReporter

    reporter = InMemoryReporter()
    assert isinstance(reporter, NodeReporter)
    run_snapshot(graph([step("t", value=5), step("a")], ["t -> a"]), {"text": "hi"}, reporter=reporter)
    inputs = {node_id: data for kind, node_id, data in reporter.events if kind == "running"}
    assert inputs == {"t": {"text": "hi"}, "a": {"t": {"output": 5, "seen": []}}}


def test_every_reporter_call_runs_on_the_calling_thread_even_for_parallel_branches(step_types):
    import threading

    class ThreadRecorder(InMemoryReporter):
        threads = set()

        def node_running(self, node_id, input):
            self.threads.add(threading.get_ident())
            super().node_running(node_id, input)

        def node_finished(self, node_id, result):
            self.threads.add(threading.get_ident())
            super().node_finished(node_id, result)

        def should_cancel(self):
            self.threads.add(threading.get_ident())
            return False

    reporter = ThreadRecorder()
    nodes = [step("t"), step("a", sleep=0.05), step("b", sleep=0.05), {"id": "m", "type": "t_join"}]
    outcome = run_snapshot(graph(nodes, ["t -> a", "t -> b", "a -> m", "b -> m"]), reporter=reporter)
    assert outcome.status == "completed"
    assert reporter.threads == {threading.get_ident()}


def test_a_thread_safe_cancel_check_is_asked_on_the_graph_threads_and_still_stops_the_run(step_types):
    import threading

    class DirectCancel(InMemoryReporter):
        cancel_check_thread_safe = True
        threads = set()

        def node_finished(self, node_id, result):
            super().node_finished(node_id, result)
            if node_id == "a":
                self.cancel()

        def should_cancel(self):
            self.threads.add(threading.get_ident())
            return super().should_cancel()

    reporter = DirectCancel()
    outcome = run_snapshot(graph([step("t"), step("a"), step("b")], ["t -> a", "a -> b"]), reporter=reporter)
    assert outcome.status == "cancelled"
    assert reporter.threads and threading.get_ident() not in reporter.threads
    assert reporter.statuses()["a"] == "success" and reporter.statuses().get("b") != "success"


def test_a_failing_reporter_ends_the_run_with_a_reporter_error(step_types):
    class Broken(InMemoryReporter):
        def node_finished(self, node_id, result):
            raise RuntimeError("database is gone")

    outcome = run_snapshot(graph([step("t"), step("a")], ["t -> a"]), reporter=Broken())
    assert outcome.status == "failed" and outcome.error_code == "reporter_error"
    assert "database is gone" in outcome.error
