"""Loops end to end on a real worker: 50 items through a two-node body, and both error policies."""

import pytest

from apps.execution.models import ExecutionLog
from tests.execution.builders import build_workflow
from tests.integration.test_engine_flows import run_and_wait

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def loop_workflow(owner, *, on_error="stop", fail_on=None):
    check = f"if input == {fail_on!r}:\n    raise ValueError('bad item')\n" if fail_on is not None else ""
    return build_workflow(
        owner=owner,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "each": {
                "component_type": "loop",
                "config": {"extra_config": {"items": "{{ trigger.payload.numbers }}", "on_error": on_error}},
            },
            "square": {"component_type": "code", "config": {"code": check + "result = input * input"}},
            "label": {"component_type": "code", "config": {"code": "result = f'{input}!'"}},
            "after": {"component_type": "code", "config": {"code": "result = len(input['results'])"}},
        },
        edges=[
            ("trigger", "each"),
            ("each", "square", {"edge_label": "loop_body"}),
            ("square", "label"),
            ("label", "each", {"edge_label": "loop_return"}),
            ("each", "after"),
        ],
    )


def test_fifty_items_through_a_two_node_body(api_client, celery_worker):
    workflow = loop_workflow(api_client.user)
    execution = run_and_wait(
        api_client, workflow.slug, {"payload": {"numbers": list(range(50))}}, timeout=120
    )
    assert execution.status == "completed", execution.error_message
    assert execution.final_output == {"output": 50}
    loop_log = ExecutionLog.objects.get(execution=execution, node_id="each")
    assert loop_log.output == {"results": [f"{i * i}!" for i in range(50)], "errors": []}
    body = ExecutionLog.objects.filter(execution=execution, node_id__in=["square", "label"])
    assert body.count() == 100 and set(body.values_list("status", flat=True)) == {"success"}
    assert sorted(body.filter(node_id="label").values_list("metadata__iteration", flat=True)) == list(
        range(50)
    )


def test_a_failing_item_stops_the_loop_or_is_collected(api_client, celery_worker):
    stop = loop_workflow(api_client.user, fail_on=3)
    execution = run_and_wait(api_client, stop.slug, {"payload": {"numbers": [1, 2, 3, 4]}}, timeout=60)
    assert execution.status == "failed" and execution.error_code == "loop_item_failed"
    assert "item 2 failed at node 'square'" in execution.error_message
    assert not ExecutionLog.objects.filter(
        execution=execution, node_id="square", input__each__output=4
    ).exists()
    assert ExecutionLog.objects.filter(execution=execution, node_id="square").count() == 3

    go_on = loop_workflow(api_client.user, on_error="continue", fail_on=3)
    execution = run_and_wait(api_client, go_on.slug, {"payload": {"numbers": [1, 2, 3, 4]}}, timeout=60)
    assert execution.status == "completed", execution.error_message
    output = ExecutionLog.objects.get(execution=execution, node_id="each").output
    assert output["results"] == ["1!", "4!", None, "16!"]
    assert [(e["index"], e["node_id"]) for e in output["errors"]] == [(2, "square")]
    assert "bad item" in output["errors"][0]["error"]
