from tests.execution.helpers import run_fixture_workflow


def test_merge_append_collects_live_branches_and_combine_merges_dicts():
    outcome = run_fixture_workflow("merge_modes.yaml", {"text": "q"})
    assert outcome.status == "completed"
    assert outcome.node_outputs["append"] == {"merged": ["research: q", "analysis: q"]}
    combined = outcome.node_outputs["combine"]["merged"]
    assert combined == {"text": "q", "files": [], "payload": {"text": "q"}, "research": "research: q"}
    assert outcome.final_output == {"merged": combined}


def test_merge_append_flattens_lists():
    from apps.execution.components.merge import append, combine

    assert append([("a", {"output": [1, 2]}), ("b", {"x": 3})]) == [1, 2, 3]
    assert combine([("a", {"k": 1, "j": 2}), ("b", {"k": 9, "z": 0}), ("c", {"output": "s"})]) == {
        "k": 9,
        "j": 2,
        "z": 0,
        "c": "s",
    }
