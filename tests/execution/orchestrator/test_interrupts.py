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


ACCEPTED: dict[str, list] = {}


def _collect(ctx) -> dict:
    """Asks for `need` answers, pausing again (repeat) until it has them; an answer it already took
    (the engine replaying earlier pauses) is recognised, as a repeating component must."""
    taken = ACCEPTED.setdefault(ctx.execution_id, [])
    if ctx.resume_input is not None and ctx.resume_input not in taken:
        taken.append(ctx.resume_input)
    if len(taken) < ctx.config["need"]:
        return {"_interrupt": {"prompt": f"answer {len(taken) + 1}?", "repeat": True}}
    return {"output": list(taken)}


def test_a_repeating_pause_is_resumed_once_per_answer_and_reported_once_per_pause(step_types):
    from apps.workflows import registry
    from apps.workflows.registry import Category, node_type

    node_type("t_collect", display_name="Test collector", category=Category.LOGIC)(_collect)
    try:
        saver = InMemorySaver(serde=checkpoints.serde())
        collector = {
            "nodes": [
                {"id": "t", "type": "t_step"},
                {"id": "a", "type": "t_collect", "config": {"need": 3}},
                {"id": "j", "type": "t_step", "config": {"value": "after"}},
            ],
            "edges": ["t -> a", "a -> j"],
        }
        reporters = [InMemoryReporter() for _ in range(4)]
        outcome = run_snapshot(collector, reporter=reporters[0], checkpointer=saver, execution_id="x9")
        prompts = [outcome.pause["prompt"]]
        for answer, reporter in zip(("x", "y", "z"), reporters[1:], strict=True):
            outcome = run_snapshot(
                collector,
                reporter=reporter,
                checkpointer=saver,
                execution_id="x9",
                resume=Resume("a", answer),
            )
            prompts.append(outcome.pause["prompt"] if outcome.pause else None)
    finally:
        registry.unregister("t_collect")
        ACCEPTED.pop("x9", None)

    assert outcome.status == "completed", outcome.error
    assert prompts == ["answer 1?", "answer 2?", "answer 3?", None]
    assert outcome.node_outputs["a"] == {"output": ["x", "y", "z"]}
    assert outcome.node_outputs["j"]["output"] == "after"
    # Each run reports one real pause; the replayed earlier answers are not reported again.
    interrupted = [r.sequence().count(("interrupted", "a")) for r in reporters]
    assert interrupted == [1, 1, 1, 0]
    assert calls(step_types)["t"] == 1 and calls(step_types)["j"] == 1


def test_a_resumed_component_without_repeat_never_pauses_again(step_types):
    saver = InMemorySaver(serde=checkpoints.serde())
    run_snapshot(graph(ASK), checkpointer=saver, execution_id="x10")
    done = run_snapshot(graph(ASK), checkpointer=saver, execution_id="x10", resume=Resume("a", "yes"))
    assert done.status == "completed" and done.pause is None
