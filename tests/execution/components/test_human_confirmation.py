"""human_confirmation: pauses until answered; the answer routes confirmed/cancelled."""

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from apps.execution.orchestrator import InMemoryReporter
from apps.execution.orchestrator.interrupts import Resume
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
    assert outcome.pause == {
        "node_id": "ask",
        "reason": "confirmation",
        "delay_seconds": None,
        "prompt": "Deploy?",
    }
    assert "ask" not in outcome.node_results  # not finished: the run stopped inside it


@pytest.mark.parametrize(
    ("answer", "confirmed", "output"),
    [("yes", True, "deployed"), (" Y ", True, "deployed"), ("1", True, "deployed"), ("no", False, "stopped")],
)
def test_the_answer_routes_confirmed_or_cancelled(answer, confirmed, output):
    saver = InMemorySaver()
    first = InMemoryReporter()
    run_snapshot(GRAPH, reporter=first, checkpointer=saver)
    assert first.statuses()["ask"] == NodeStatus.INTERRUPTED
    reporter = InMemoryReporter()
    outcome = run_snapshot(GRAPH, reporter=reporter, checkpointer=saver, resume=Resume("ask", answer))
    assert outcome.status == "completed"
    assert outcome.node_outputs["ask"] == {"confirmed": confirmed, "user_response": answer}
    assert outcome.final_output == {"output": output}
    assert reporter.statuses()["go" if confirmed else "stop"] == "success"
    assert reporter.statuses()["stop" if confirmed else "go"] == "skipped"
