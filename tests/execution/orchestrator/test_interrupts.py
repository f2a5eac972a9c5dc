"""Pauses on the checkpointer: the _interrupt/_delay_seconds contract, resume, and nothing re-run."""

from collections import Counter

from langgraph.checkpoint.memory import InMemorySaver

from apps.execution import checkpoints
from apps.execution.orchestrator import InMemoryReporter
from apps.execution.orchestrator.interrupts import Resume
from tests.execution.helpers import run_snapshot

ASK = {"return": {"output": "asked", "_interrupt": {"prompt": "ok?"}}}


def graph(pausing_config):
    return {
        "nodes": [
            {"id": "t", "type": "t_step"},
            {"id": "a", "type": "t_step", "config": pausing_config},
            {"id": "b", "type": "t_step", "config": {"value": "b"}},
            {"id": "j", "type": "t_join", "config": {"value": "joined"}},
        ],
        "edges": ["t -> a", "t -> b", "a -> j", "b -> j"],
    }


def calls(step_calls):
    return Counter(ctx.node_id for ctx in step_calls)


def test_a_pause_in_one_branch_lets_the_other_finish_and_resume_runs_only_what_is_left(step_types):
    saver = InMemorySaver(serde=checkpoints.serde())
    first = InMemoryReporter()
    paused = run_snapshot(graph(ASK), reporter=first, checkpointer=saver, execution_id="x1")
    assert paused.status == "interrupted"
    assert paused.pause == {"node_id": "a", "reason": "confirmation", "delay_seconds": None, "prompt": "ok?"}
    assert first.statuses() == {"t": "success", "a": "interrupted", "b": "success"}
    assert calls(step_types) == {"t": 1, "a": 1, "b": 1}

    second = InMemoryReporter()
    done = run_snapshot(
        graph(ASK), reporter=second, checkpointer=saver, execution_id="x1", resume=Resume("a", "yes")
    )
    assert done.status == "completed"
    assert calls(step_types) == {"t": 1, "a": 2, "b": 1, "j": 1}  # t and b not run again
    resumed = [ctx for ctx in step_types if ctx.node_id == "a"][-1]
    assert resumed.resume_input == "yes"
    assert second.statuses() == {"a": "success", "j": "success"}
    assert set(done.node_results) == {"t", "a", "b", "j"}
    assert done.final_output == {"output": "joined", "seen": ["a", "b"]}


def test_a_delay_pauses_with_reason_wait_and_the_timer_resumes_without_input(step_types):
    saver = InMemorySaver(serde=checkpoints.serde())
    delay = {"return": {"output": "later", "_delay_seconds": 5}}
    paused = run_snapshot(graph(delay), checkpointer=saver, execution_id="x2")
    assert paused.pause == {"node_id": "a", "reason": "wait", "delay_seconds": 5.0, "prompt": None}
    done = run_snapshot(graph(delay), checkpointer=saver, execution_id="x2", resume=Resume("a"))
    assert done.status == "completed"
    assert [ctx.resume_input for ctx in step_types if ctx.node_id == "a"] == [None, None]
    assert done.node_outputs["a"] == {"output": "later"}


def test_resuming_a_node_that_is_not_paused_fails_cleanly(step_types):
    saver = InMemorySaver(serde=checkpoints.serde())
    run_snapshot(graph(ASK), checkpointer=saver, execution_id="x3")
    outcome = run_snapshot(graph(ASK), checkpointer=saver, execution_id="x3", resume=Resume("b", "yes"))
    assert outcome.status == "failed" and outcome.error_code == "not_paused"


def test_recovering_a_run_that_had_already_finished_runs_nothing_again(step_types):
    saver = InMemorySaver(serde=checkpoints.serde())
    plain = graph({"value": "a"})
    assert run_snapshot(plain, checkpointer=saver, execution_id="x4").status == "completed"
    before = calls(step_types)
    again = run_snapshot(plain, checkpointer=saver, execution_id="x4", recover=True)
    assert again.status == "completed" and again.final_output == {"output": "joined", "seen": ["a", "b"]}
    assert calls(step_types) == before
