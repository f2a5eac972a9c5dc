"""human_confirmation: pauses until answered; the answer routes confirmed/cancelled."""

import pytest

from apps.execution.orchestrator import InMemoryReporter
from apps.execution.results import NodeStatus
from tests.execution.helpers import run_snapshot

GRAPH = {
    "nodes": [
        {"id": "t", "type": "trigger_manual"},
        {"id": "ask", "type": "human_confirmation", "config": {"prompt": "Deploy?"}},
        {"id": "go", "type": "code", "config": {"code": "result = 'deployed'"}},
        {"id": "stop", "type": "code", "config": {"code": "result = 'stopped'"}},
    ],
    "edges": [
        "t -> ask",
        {"source": "ask", "target": "go", "condition": "confirmed"},
        {"source": "ask", "target": "stop", "condition": "cancelled"},
    ],
}


def test_confirmation_pauses_with_its_prompt():
    outcome = run_snapshot(GRAPH)
    assert outcome.status == "interrupted"
    assert outcome.pause == {"node_id": "ask", "delay_seconds": None, "prompt": "Deploy?"}
    assert outcome.node_results["ask"].status == NodeStatus.WAITING


@pytest.mark.parametrize(
    ("answer", "confirmed", "output"),
    [("yes", True, "deployed"), (" Y ", True, "deployed"), ("1", True, "deployed"), ("no", False, "stopped")],
)
def test_the_answer_routes_confirmed_or_cancelled(answer, confirmed, output):
    paused = run_snapshot(GRAPH)
    preset = {k: v for k, v in paused.node_results.items() if v.status != NodeStatus.WAITING}
    reporter = InMemoryReporter()
    outcome = run_snapshot(GRAPH, reporter=reporter, preset=preset, resumed_node="ask", resume_input=answer)
    assert outcome.status == "completed"
    assert outcome.node_outputs["ask"] == {"confirmed": confirmed, "user_response": answer}
    assert outcome.final_output == {"output": output}
    assert reporter.statuses()["go" if confirmed else "stop"] == "success"
    assert reporter.statuses()["stop" if confirmed else "go"] == "skipped"
