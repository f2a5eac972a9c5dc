import pytest

from tests.execution.helpers import run_fixture_workflow, statuses


@pytest.mark.parametrize(
    ("payload", "taken"),
    [
        ({"kind": "urgent", "amount": 5}, "urgent_path"),
        ({"kind": "normal", "amount": 500}, "big_path"),
        ({"kind": "normal", "amount": 5}, "other_path"),
        ({}, "other_path"),
    ],
)
def test_switch_routes_to_the_first_matching_rule_or_fallback(payload, taken):
    outcome = run_fixture_workflow("switch_routes.yaml", payload)
    assert outcome.status == "completed"
    paths = {"urgent_path", "big_path", "other_path"}
    assert {n for n in paths if statuses(outcome)[n] == "success"} == {taken}
    assert all(statuses(outcome)[n] == "skipped" for n in paths - {taken})
    assert statuses(outcome)["join"] == "success"
    route = outcome.node_outputs["sw"]["route"]
    assert route == {"urgent_path": "urgent", "big_path": "big", "other_path": "__other__"}[taken]


def _switch(config, payload):
    from tests.execution.helpers import run_snapshot

    snapshot = {
        "nodes": [{"id": "t", "type": "trigger_webhook"}, {"id": "sw", "type": "switch", "config": config}],
        "edges": ["t -> sw"],
    }
    return run_snapshot(snapshot, payload)


def test_switch_without_fallback_emits_an_empty_route():
    outcome = _switch({"rules": [{"id": "a", "field": "trigger.payload.x", "operator": "exists"}]}, {})
    assert outcome.node_outputs["sw"] == {"route": ""}


def test_switch_rules_read_node_outputs_and_the_upstream_input():
    rules = [
        {"id": "by_path", "field": "node_outputs.t.payload.n", "operator": "gte", "value": 10},
    ]
    assert _switch({"rules": rules}, {"n": 12}).node_outputs["sw"]["route"] == "by_path"
    rules = [{"id": "by_input", "field": "input.tags", "operator": "length_gt", "value": 1}]
    assert _switch({"rules": rules}, {"tags": ["a", "b"]}).node_outputs["sw"]["route"] == "by_input"


def test_switch_rule_values_can_be_expressions():
    rules = [
        {"id": "same", "field": "trigger.payload.a", "operator": "equals", "value": "{{ trigger.payload.b }}"}
    ]
    assert _switch({"rules": rules}, {"a": 3, "b": 3}).node_outputs["sw"]["route"] == "same"


def test_switch_legacy_condition_field_and_expression():
    assert (
        _switch({"condition_field": "trigger.payload.kind"}, {"kind": "k1"}).node_outputs["sw"]["route"]
        == "k1"
    )
    outcome = _switch({"condition_expression": "'big' if trigger.payload.n > 3 else 'small'"}, {"n": 5})
    assert outcome.node_outputs["sw"]["route"] == "big"


def test_switch_with_an_unknown_operator_fails_the_node():
    outcome = _switch({"rules": [{"id": "a", "field": "trigger.x", "operator": "resembles"}]}, {})
    assert outcome.status == "failed" and "unknown operator" in outcome.error
