from tests.execution.helpers import run_fixture_workflow, run_snapshot

RESULTS = [
    {"title": "Result A", "relevance": 0.9, "status": "active"},
    {"title": "Result B", "relevance": 0.4, "status": "active"},
    {"title": "Result C", "relevance": 0.8, "status": "archived"},
    {"title": "Result D", "relevance": "0.75", "status": "active"},
]


def test_filter_keeps_items_matching_all_rules_and_aggregator_collects_a_field():
    outcome = run_fixture_workflow("filter_aggregate.yaml", {"results": RESULTS, "wanted": "active"})
    assert outcome.status == "completed"
    assert [r["title"] for r in outcome.node_outputs["keep"]["filtered"]] == ["Result A", "Result D"]
    assert outcome.node_outputs["titles"] == {"items": ["Result A", "Result D"], "count": 2}


def _filter(config, payload):
    nodes = [{"id": "t", "type": "trigger_webhook"}, {"id": "f", "type": "filter", "config": config}]
    return run_snapshot({"nodes": nodes, "edges": ["t -> f"]}, payload)


def test_filter_without_rules_passes_everything_from_the_upstream_value():
    assert _filter({"field": "items"}, {"items": [1, 2]}).node_outputs["f"] == {"filtered": [1, 2]}


def test_filter_of_scalars_tests_the_item_itself():
    rules = [{"operator": "gt", "value": 2}]
    assert _filter({"field": "items", "rules": rules}, {"items": [1, 2, 3, 4]}).node_outputs["f"][
        "filtered"
    ] == [3, 4]


def test_filter_of_a_non_array_fails_clearly():
    outcome = _filter({"field": "items"}, {"items": "nope"})
    assert outcome.status == "failed" and outcome.error_code == "invalid_input"


def test_aggregator_flattens_all_live_upstream_values():
    nodes = [
        {"id": "t", "type": "trigger_webhook"},
        {"id": "a", "type": "filter", "config": {"field": "xs"}},
        {"id": "b", "type": "filter", "config": {"field": "ys"}},
        {"id": "agg", "type": "aggregator"},
    ]
    outcome = run_snapshot(
        {"nodes": nodes, "edges": ["t -> a", "t -> b", "a -> agg", "b -> agg"]}, {"xs": [1, 2], "ys": [3]}
    )
    assert outcome.node_outputs["agg"] == {"items": [1, 2, 3], "count": 3}
