"""The subworkflow node's payload scoping and the subworkflow service's checks (no worker)."""

from types import MappingProxyType

import pytest
from django.test import override_settings

from apps.execution.components.subworkflow import child_payload
from apps.execution.context import NodeContext
from apps.execution.models import WorkflowExecution
from apps.execution.results import NodeError
from apps.execution.services import subworkflows
from apps.execution.services.executions import execution_create
from apps.workflows.models import WorkflowNode
from tests.execution.builders import build_workflow


def ctx(config, *, inputs=None, trigger=None, node_outputs=None):
    return NodeContext(
        node_id="call",
        component_type="workflow",
        config=config,
        inputs=MappingProxyType(inputs or {}),
        trigger=trigger or {},
        node_outputs=MappingProxyType(node_outputs or {}),
        execution_id="e",
        workflow_slug="wf",
    )


def test_input_mapping_reads_dotted_paths_and_keeps_literals():
    context = ctx(
        {
            "input_mapping": {
                "q": "node_outputs.search.output",
                "city": "trigger.payload.city",
                "i": "input",
                "k": 3,
            }
        },
        inputs={"search": {"output": "cats"}},
        trigger={"text": "hi", "city": "Paris", "messages": ["secret"]},
        node_outputs={"search": {"output": "cats"}},
    )
    assert child_payload(context) == {"q": "cats", "city": "Paris", "i": "cats", "k": 3}


def test_without_a_mapping_the_child_gets_the_input_and_text_only():
    context = ctx({}, inputs={"up": {"output": {"a": 1}}}, trigger={"text": "hello", "messages": ["x"]})
    assert child_payload(context) == {"text": "hello", "payload": {"a": 1}}
    assert child_payload(ctx({}, inputs={"up": {"output": "question"}})) == {
        "text": "question",
        "payload": "question",
    }


@pytest.fixture
def parent_run(user):
    workflow = build_workflow(
        owner=user,
        slug="parent",
        nodes={"trigger": {"component_type": "trigger_manual"}, "call": {"component_type": "workflow"}},
        edges=[("trigger", "call")],
    )
    trigger = WorkflowNode.objects.get(workflow=workflow, node_id="trigger")
    return execution_create(workflow=workflow, trigger_node=trigger, payload={}, user=user, enqueue=False)


def child(owner, slug="kid", **trigger_config):
    return build_workflow(
        owner=owner,
        slug=slug,
        nodes={"enter": {"component_type": "trigger_workflow", "config": {"trigger_config": trigger_config}}},
        edges=[],
    )


def start(parent, target="kid"):
    return subworkflows.subworkflow_start(
        parent_execution_id=str(parent.execution_id), node_id="call", target=target, payload={"n": 1}
    )


@pytest.mark.django_db
def test_start_links_the_child_and_is_idempotent_per_node(parent_run, user):
    child(user)
    first = start(parent_run)
    assert first.parent_execution == parent_run and first.depth == 1 and first.parent_node_key == "call"
    assert first.trigger_payload["n"] == 1 and first.trigger_node_key == "enter"
    assert start(parent_run).pk == first.pk
    assert WorkflowExecution.objects.filter(parent_execution=parent_run).count() == 1


@pytest.mark.django_db
def test_start_refuses_what_the_parent_may_not_call(parent_run, user, admin_user):
    child(admin_user, slug="theirs")
    with pytest.raises(NodeError) as exc:
        start(parent_run, "theirs")
    assert exc.value.error_code == "subworkflow_not_found"
    child(user, slug="picky", source_workflow="someone-else")
    with pytest.raises(NodeError) as exc:
        start(parent_run, "picky")
    assert exc.value.error_code == "subworkflow_not_allowed"
    build_workflow(owner=user, slug="no-entry", nodes={"t": {"component_type": "trigger_manual"}}, edges=[])
    with pytest.raises(NodeError) as exc:
        start(parent_run, "no-entry")
    assert exc.value.error_code == "subworkflow_no_trigger"


@pytest.mark.django_db
@override_settings(PIPELIT_SUBWORKFLOW_MAX_DEPTH=1)
def test_depth_limit(parent_run, user):
    child(user, slug="parent-child")
    WorkflowExecution.objects.filter(pk=parent_run.pk).update(depth=1)
    with pytest.raises(NodeError) as exc:
        start(parent_run, "parent-child")
    assert exc.value.error_code == "subworkflow_depth_exceeded"
    assert "limited to 1 levels: parent -> parent-child" in str(exc.value)


@pytest.mark.django_db
def test_result_reports_the_child_status(parent_run, user):
    child(user)
    kid = start(parent_run)
    for status, code in (
        ("failed", "subworkflow_failed"),
        ("cancelled", "subworkflow_cancelled"),
        ("running", "subworkflow_not_finished"),
    ):
        WorkflowExecution.objects.filter(pk=kid.pk).update(status=status, error_message="boom")
        with pytest.raises(NodeError) as exc:
            subworkflows.subworkflow_result(parent_execution_id=str(parent_run.execution_id), node_id="call")
        assert exc.value.error_code == code
    WorkflowExecution.objects.filter(pk=kid.pk).update(status="completed", final_output={"output": 9})
    done = subworkflows.subworkflow_result(parent_execution_id=str(parent_run.execution_id), node_id="call")
    assert done.final_output == {"output": 9}


@pytest.mark.django_db
def test_notify_waits_for_the_parent_to_pause(parent_run, user):
    child(user)
    kid = start(parent_run)
    WorkflowExecution.objects.filter(pk=parent_run.pk).update(status="running")
    assert (
        subworkflows.subworkflow_notify_parent(child_execution_id=str(kid.execution_id)) == subworkflows.RETRY
    )
    WorkflowExecution.objects.filter(pk=parent_run.pk).update(status="cancelled")
    assert subworkflows.subworkflow_notify_parent(child_execution_id=str(kid.execution_id)) == "done"
