"""wait: pauses the run (interrupted, nothing after it reported) and resumes from the paused node."""

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from apps.execution.orchestrator import InMemoryReporter
from apps.execution.orchestrator.interrupts import Resume
from apps.execution.results import NodeStatus
from tests.execution.helpers import run_snapshot

GRAPH = {
    "nodes": [
        {"id": "t", "type": "trigger_manual"},
        {"id": "before", "type": "code", "config": {"code": "result = 1"}},
        {"id": "w", "type": "wait", "config": {"duration": 2, "unit": "minutes"}},
        {"id": "after", "type": "code", "config": {"code": "result = node_outputs['before']['output'] + 1"}},
    ],
    "edges": ["t -> before", "before -> w", "w -> after"],
}


def finished(reporter):
    return {node_id: result for kind, node_id, result in reporter.events if kind != "running"}


def test_wait_pauses_the_run_and_reports_nothing_after_it():
    reporter = InMemoryReporter()
    outcome = run_snapshot(GRAPH, reporter=reporter)
    assert outcome.status == "interrupted"
    assert outcome.pause == {"node_id": "w", "reason": "wait", "delay_seconds": 120.0, "prompt": None}
    results = finished(reporter)
    assert list(results) == ["t", "before", "w"]
    assert results["w"].status == NodeStatus.WAITING
    assert results["w"].data == {"output": "Waited 2 minutes"}


def test_resume_from_the_checkpoint_runs_the_paused_node_and_the_rest_once():
    saver = InMemorySaver()
    run_snapshot(GRAPH, reporter=InMemoryReporter(), checkpointer=saver)
    second = InMemoryReporter()
    outcome = run_snapshot(GRAPH, reporter=second, checkpointer=saver, resume=Resume(node_id="w"))
    assert outcome.status == "completed"
    assert outcome.final_output == {"output": 2}
    assert list(finished(second)) == ["w", "after"]
    assert finished(second)["w"].status == NodeStatus.SUCCESS


def test_zero_duration_does_not_pause():
    graph = {
        **GRAPH,
        "nodes": [*GRAPH["nodes"][:2], {"id": "w", "type": "wait", "config": {}}, GRAPH["nodes"][3]],
    }
    outcome = run_snapshot(graph)
    assert outcome.status == "completed" and outcome.node_outputs["w"] == {"output": "Waited 0 seconds"}


@pytest.mark.parametrize("config", [{"duration": 1, "unit": "days"}, {"duration": -1}, {"duration": "x"}])
def test_invalid_wait_config_fails_the_node(config):
    graph = {**GRAPH, "nodes": [*GRAPH["nodes"][:2], {"id": "w", "type": "wait", "config": config}]}
    outcome = run_snapshot({**graph, "edges": ["t -> before", "before -> w"]})
    assert outcome.status == "failed" and outcome.error_code == "invalid_config"
