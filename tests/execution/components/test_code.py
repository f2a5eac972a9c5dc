"""The code node through run_graph: sandboxed snippets see upstream outputs and the trigger."""

from tests.execution.helpers import run_fixture_workflow, run_snapshot


def test_five_code_nodes_in_a_chain_pass_values_along():
    outcome = run_fixture_workflow("code_chain.yaml", {"start": 10})
    assert outcome.status == "completed", outcome.error
    assert [outcome.node_outputs[f"c{i}"]["output"] for i in range(1, 6)] == [11, 12, 13, "14", 15]
    assert outcome.final_output == {"output": 15}


def _code(code, payload=None, **config):
    nodes = [
        {"id": "t", "type": "trigger_chat"},
        {"id": "c", "type": "code", "config": {"code": code, **config}},
    ]
    return run_snapshot({"nodes": nodes, "edges": ["t -> c"]}, payload or {})


def test_code_node_output_is_json_not_a_repr():
    outcome = _code(
        "result = {'n': [1, 2], 'text': trigger['text'], 'state_keys': sorted(state)}", {"text": "hi"}
    )
    assert outcome.node_outputs["c"]["output"] == {
        "n": [1, 2],
        "text": "hi",
        "state_keys": ["execution_id", "node_outputs", "route", "trigger", "user_context", "variables"],
    }


def test_code_node_errors_fail_the_node_with_a_code():
    outcome = _code("raise ValueError('nope')")
    assert (
        outcome.status == "failed"
        and outcome.error_code == "runtime_error"
        and "ValueError: nope" in outcome.error
    )


def test_code_node_timeout_fails_the_node_and_the_run_goes_on_in_this_process():
    outcome = _code("while True: pass", timeout_seconds=0.5)
    assert outcome.status == "failed" and outcome.error_code == "timeout"
    assert _code("return 1").node_outputs["c"]["output"] == 1


def test_code_node_unsupported_language_is_refused():
    outcome = _code("echo hi", language="bash")
    assert outcome.error_code == "unsupported_language"


def test_code_node_time_is_capped_by_the_execution_deadline():
    nodes = [
        {"id": "t", "type": "trigger_chat"},
        {"id": "c", "type": "code", "config": {"code": "while True: pass"}},
    ]
    outcome = run_snapshot({"nodes": nodes, "edges": ["t -> c"], "max_execution_seconds": 1.0})
    assert outcome.status == "failed" and outcome.error_code in {"timeout", "ExecutionTimeoutError"}
    assert outcome.duration_ms < 1500


def test_snippet_variables_are_one_json_object_of_plain_values():
    import datetime
    import json
    from types import MappingProxyType

    from apps.execution.components.code import snippet_variables_json
    from apps.execution.context import NodeContext

    when = datetime.datetime(2020, 1, 2)
    outputs = {"a": {"output": when}}
    ctx = NodeContext(
        node_id="b",
        component_type="code",
        config={},
        inputs=MappingProxyType(outputs),
        trigger={"n": 1},
        node_outputs=MappingProxyType(outputs),
        execution_id="e",
        workflow_slug="w",
        trigger_node_id="t",
        state=MappingProxyType({"route": "r", "user_context": {"u": (1, 2)}, "variables": None}),
    )
    got = json.loads(snippet_variables_json(ctx))
    assert got["node_outputs"] == {"a": {"output": str(when)}}
    assert got["state"]["node_outputs"] == got["node_outputs"]
    assert got["state"]["trigger"] == got["trigger"]
    assert got["trigger"] == {"n": 1, "text": "", "payload": {"n": 1}}
    assert got["input"] == str(when)
    assert got["inputs"] == {"a": {"output": str(when)}}
    assert got["state"]["user_context"] == {"u": [1, 2]}
    assert got["state"]["variables"] == {}
    assert got["state"]["route"] == "r"
    assert got["state"]["execution_id"] == "e"
