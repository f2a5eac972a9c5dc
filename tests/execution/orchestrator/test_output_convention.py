"""The component output convention, through run_graph."""

from langchain_core.messages import AIMessage

from tests.execution.helpers import run_snapshot


def run_returning(raw, payload=None):
    nodes = [{"id": "t", "type": "t_step"}, {"id": "n", "type": "t_step", "config": {"return": raw}}]
    return run_snapshot({"nodes": nodes, "edges": ["t -> n"]}, payload)


def test_plain_keys_become_node_outputs_and_underscore_keys_do_not(step_types):
    outcome = run_returning({"output": "x", "confidence": 0.9, "_route": "a"})
    assert outcome.node_outputs["n"] == {"output": "x", "confidence": 0.9}
    assert outcome.node_results["n"].metadata["route"] == "a"


def test_messages_are_appended_to_state(step_types):
    outcome = run_returning({"output": "x", "_messages": [AIMessage(content="hi", id="m1")]})
    assert [m.content for m in outcome.messages] == ["hi"]


def test_state_patch_cannot_touch_protected_keys(step_types):
    nodes = [
        {"id": "t", "type": "t_step"},
        {
            "id": "n",
            "type": "t_step",
            "config": {
                "return": {
                    "_state_patch": {
                        "node_outputs": {},
                        "trigger": {},
                        "user_context": {"u": 1},
                        "mood": "ok",
                    }
                }
            },
        },
        {"id": "after", "type": "t_step"},
    ]
    from tests.execution.conftest import STEP_CALLS

    outcome = run_snapshot({"nodes": nodes, "edges": ["t -> n", "n -> after"]}, {"text": "keep"})
    after = next(c for c in STEP_CALLS if c.node_id == "after")
    assert after.state["user_context"] == {"u": 1} and after.state["variables"] == {"mood": "ok"}
    assert after.trigger == {"text": "keep"} and "t" in outcome.node_outputs


def test_token_usage_is_accumulated_over_nodes(step_types):
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "cost_usd": 0.5}
    nodes = [{"id": "t", "type": "t_step"}] + [
        {"id": i, "type": "t_step", "config": {"return": {"output": i, "_token_usage": usage}}}
        for i in ("a", "b")
    ]
    outcome = run_snapshot({"nodes": nodes, "edges": ["t -> a", "t -> b"]})
    assert outcome.token_usage == {"prompt_tokens": 20, "completion_tokens": 10, "cost_usd": 1.0}
    assert outcome.node_results["a"].metadata["token_usage"] == usage


def test_non_dict_returns_become_the_output_port(step_types):
    assert run_returning("just text").node_outputs["n"] == {"output": "just text"}


def test_legacy_node_outputs_format_is_accepted(step_types):
    outcome = run_returning({"node_outputs": {"n": {"output": "legacy"}}})
    assert outcome.node_outputs["n"] == {"output": "legacy"}


def test_unknown_directives_are_kept_in_metadata(step_types):
    outcome = run_returning({"output": 1, "_future_directive": 5})
    assert outcome.node_results["n"].metadata["directives"] == {"_future_directive": 5}
