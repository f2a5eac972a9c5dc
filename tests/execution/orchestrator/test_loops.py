"""Loop nodes through run_graph: per-item body runs, results, error policies, nesting (no database)."""

import pytest

from apps.execution.orchestrator import InMemoryReporter, compiler
from apps.execution.results import NodeError
from apps.workflows import registry
from apps.workflows.registry import Category, node_type
from tests.execution.helpers import run_snapshot


def _double(ctx) -> dict:
    value = ctx.input
    if value == ctx.config.get("fail_on"):
        raise NodeError(f"cannot double {value}", "bad_item", retryable=False)
    return {"output": value * 2}


@pytest.fixture
def loop_types(step_types):
    node_type("t_double", display_name="Double", category=Category.LOGIC)(_double)
    compiler.clear_cache()
    yield
    registry.unregister("t_double")


def loop_graph(items, *, body=None, on_error=None, max_iterations=None, after=True):
    config = {"items": items}
    if on_error:
        config["on_error"] = on_error
    if max_iterations is not None:
        config["max_iterations"] = max_iterations
    nodes = [
        {"id": "t", "type": "t_step"},
        {"id": "loop", "type": "loop", "config": config},
        *(body or [{"id": "a", "type": "t_double"}, {"id": "b", "type": "t_step"}]),
    ]
    edges = [
        "t -> loop",
        {"source": "loop", "target": "a", "label": "loop_body"},
        "a -> b",
        {"source": "b", "target": "loop", "label": "loop_return"},
    ]
    if after:
        nodes.append({"id": "after", "type": "t_step"})
        edges.append("loop -> after")
    return {"slug": "wf", "nodes": nodes, "edges": edges}


def test_each_item_runs_the_two_node_body_and_results_are_collected(loop_types):
    reporter = InMemoryReporter()
    outcome = run_snapshot(loop_graph(list(range(50))), reporter=reporter)
    assert outcome.status == "completed", outcome.error
    assert outcome.node_outputs["loop"] == {"results": [i * 2 for i in range(50)], "errors": []}
    assert outcome.node_outputs["after"]["output"] == {"results": [i * 2 for i in range(50)], "errors": []}
    body_rows = [
        (kind, node) for kind, node, _ in reporter.events if node in ("a", "b") and kind != "running"
    ]
    assert len(body_rows) == 100 and all(kind == "success" for kind, _ in body_rows)
    iterations = [
        r.metadata["iteration"] for kind, node, r in reporter.events if node == "b" and kind == "success"
    ]
    assert iterations == list(range(50))
    assert set(outcome.node_results) == {"t", "loop", "after"}


def test_stop_policy_fails_the_loop_at_the_first_bad_item(loop_types):
    body = [{"id": "a", "type": "t_double", "config": {"fail_on": 2}}, {"id": "b", "type": "t_step"}]
    reporter = InMemoryReporter()
    outcome = run_snapshot(loop_graph([1, 2, 3], body=body), reporter=reporter)
    assert outcome.status == "failed"
    assert outcome.error_code == "loop_item_failed" and outcome.failed_node_id == "loop"
    assert "item 1 failed at node 'a': cannot double 2 [bad_item]" in outcome.error
    a_runs = [node for kind, node, _ in reporter.events if node == "a" and kind == "running"]
    assert len(a_runs) == 2  # item 3 never ran
    assert outcome.node_results["after"].status == "skipped"


def test_continue_policy_collects_errors_and_goes_on(loop_types):
    body = [{"id": "a", "type": "t_double", "config": {"fail_on": 2}}, {"id": "b", "type": "t_step"}]
    outcome = run_snapshot(loop_graph([1, 2, 3], body=body, on_error="continue"))
    assert outcome.status == "completed", outcome.error
    assert outcome.node_outputs["loop"] == {
        "results": [2, None, 6],
        "errors": [{"index": 1, "node_id": "a", "error": "cannot double 2", "error_code": "bad_item"}],
    }


def test_items_come_from_the_upstream_input_and_a_scalar_is_one_item(loop_types):
    graph = loop_graph(None)
    graph["nodes"][0]["config"] = {"value": 21}
    del graph["nodes"][1]["config"]["items"]
    outcome = run_snapshot(graph)
    assert outcome.node_outputs["loop"]["results"] == [42]


def test_items_expression_and_loop_variables(loop_types):
    graph = loop_graph("{{ t.output }}")
    graph["nodes"][0]["config"] = {"value": ["x", "y"]}
    graph["nodes"][3]["config"] = {"value": "{{ loop.index }}:{{ loop.item }}:{{ loop.count }}"}
    outcome = run_snapshot(graph)
    assert outcome.node_outputs["loop"]["results"] == ["0:x:2", "1:y:2"]


def test_max_iterations_refuses_too_many_items(loop_types):
    outcome = run_snapshot(loop_graph([1, 2, 3], max_iterations=2))
    assert outcome.status == "failed" and outcome.error_code == "max_iterations_exceeded"


def test_an_empty_array_gives_empty_results(loop_types):
    outcome = run_snapshot(loop_graph([]))
    assert outcome.status == "completed"
    assert outcome.node_outputs["loop"] == {"results": [], "errors": []}


def test_nested_loops(loop_types):
    graph = {
        "slug": "wf",
        "nodes": [
            {"id": "t", "type": "t_step"},
            {"id": "outer", "type": "loop", "config": {"items": [[1, 2], [3]]}},
            {"id": "inner", "type": "loop"},
            {"id": "d", "type": "t_double"},
        ],
        "edges": [
            "t -> outer",
            {"source": "outer", "target": "inner", "label": "loop_body"},
            {"source": "inner", "target": "d", "label": "loop_body"},
            {"source": "d", "target": "inner", "label": "loop_return"},
            {"source": "inner", "target": "outer", "label": "loop_return"},
        ],
    }
    outcome = run_snapshot(graph)
    assert outcome.status == "completed", outcome.error
    assert outcome.final_output == {
        "results": [{"results": [2, 4], "errors": []}, {"results": [6], "errors": []}],
        "errors": [],
    }


def test_a_pausing_body_node_fails_the_item(loop_types):
    body = [
        {"id": "a", "type": "t_step", "config": {"return": {"_delay_seconds": 5}}},
        {"id": "b", "type": "t_step"},
    ]
    outcome = run_snapshot(loop_graph([1], body=body))
    assert outcome.status == "failed" and "loop_body_paused" in outcome.error


def test_cancel_stops_the_loop_between_items(loop_types):
    reporter = InMemoryReporter()
    body = [{"id": "a", "type": "t_step", "config": {"sleep": 0.05}}, {"id": "b", "type": "t_step"}]
    original = reporter.node_finished

    def finished(node_id, result):
        original(node_id, result)
        if node_id == "b" and result.metadata.get("iteration") == 2:
            reporter.cancel()

    reporter.node_finished = finished
    outcome = run_snapshot(loop_graph(list(range(20)), body=body), reporter=reporter)
    assert outcome.status == "cancelled"
    assert len([1 for kind, node, _ in reporter.events if node == "b" and kind == "success"]) == 3


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"items": [1], "on_error": "ignore"}, "on_error must be"),
        ({"items": "{{ t.output.items }}"}, "resolved to a function"),
        ({"items": "{{ missing.output }}"}, "did not resolve"),
        ({"items": [1], "max_iterations": "many"}, "must be an integer"),
    ],
)
def test_bad_loop_config_fails_the_node_without_retries(loop_types, config, message):
    graph = loop_graph(None)
    graph["nodes"][0]["config"] = {"value": {"a": 1}}
    graph["nodes"][1]["config"] = config
    graph["nodes"][1]["max_retries"] = 3
    outcome = run_snapshot(graph)
    assert outcome.status == "failed" and outcome.error_code == "invalid_config"
    assert message in outcome.error and outcome.node_results["loop"].metadata["retry_count"] == 0
