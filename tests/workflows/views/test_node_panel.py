"""The node details panel: a form from the config schema and config kind, saved with htmx."""

import pytest
from django.test import Client

from apps.workflows import selectors
from apps.workflows.models import WorkflowEdge
from tests.factories import LLMCredentialFactory, UserFactory, WorkflowFactory, WorkflowNodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow():
    return WorkflowFactory(slug="flow")


@pytest.fixture
def web(workflow) -> Client:
    client = Client()
    client.force_login(workflow.owner)
    return client


def config_of(workflow, node_id):
    return selectors.node_get(workflow=workflow, node_id=node_id)._prefetched_config


def test_code_node_panel_shows_code_and_saves_it(web, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="code_1", component_type="code")
    html = web.get("/workflows/flow/editor/nodes/code_1/panel/").content.decode()
    assert 'name="col__code"' in html and "Insert a variable into Code" in html
    response = web.post(
        "/workflows/flow/editor/nodes/code_1/panel/",
        {"col__code": "result = 1 + 1", "col__language": "python", "label": "Adder"},
    )
    assert "Saved." in response.content.decode()
    assert config_of(workflow, "code_1").code == "result = 1 + 1"


def test_model_panel_lists_llm_credentials_and_saves_settings(web, workflow):
    credential = LLMCredentialFactory(name="Local LLM")
    WorkflowNodeFactory(workflow=workflow, node_id="m", component_type="ai_model")
    html = web.get("/workflows/flow/editor/nodes/m/panel/").content.decode()
    assert "Local LLM" in html and 'name="col__temperature"' in html
    web.post(
        "/workflows/flow/editor/nodes/m/panel/",
        {"col__credential_id": str(credential.pk), "col__model_name": "gpt-x", "col__temperature": "0.3"},
    )
    config = config_of(workflow, "m")
    assert (config.credential_id, config.model_name, config.temperature) == (credential.pk, "gpt-x", 0.3)


def test_out_of_range_value_shows_the_error_next_to_the_field_and_saves_nothing(web, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="m", component_type="ai_model")
    response = web.post(
        "/workflows/flow/editor/nodes/m/panel/", {"col__model_name": "x", "col__temperature": "7"}
    )
    html = response.content.decode()
    assert 'id="e-col__temperature"' in html and "less than or equal to 2" in html
    assert config_of(workflow, "m").model_name == ""


def test_not_a_number_is_reported_without_saving(web, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="m", component_type="ai_model")
    html = web.post(
        "/workflows/flow/editor/nodes/m/panel/", {"col__model_name": "x", "col__max_tokens": "lots"}
    ).content.decode()
    assert 'id="e-col__max_tokens" role="alert">Enter a number.' in html
    assert config_of(workflow, "m").model_name == ""


def test_trigger_panel_saves_is_active(web, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="t", component_type="trigger_manual")
    html = web.get("/workflows/flow/editor/nodes/t/panel/").content.decode()
    assert 'name="col__is_active"' in html
    web.post("/workflows/flow/editor/nodes/t/panel/", {"col__priority": "3"})
    config = config_of(workflow, "t")
    assert (config.is_active, config.priority) == (False, 3)


def test_switch_rules_can_be_added_edited_and_removed(web, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="s", component_type="switch")
    url = "/workflows/flow/editor/nodes/s/panel/"
    html = web.post(url, {"rule_count": "0", "_action": "add_rule"}).content.decode()
    assert 'name="rule-0-id" value="route_1"' in html
    web.post(
        url,
        {
            "rule_count": "2",
            "rule-0-id": "big",
            "rule-0-field": "input.n",
            "rule-0-operator": "equals",
            "rule-0-value": "5",
            "rule-1-id": "small",
            "rule-1-field": "input.n",
            "rule-1-operator": "equals",
            "rule-1-value": "1",
        },
    )
    extra = config_of(workflow, "s").extra_config
    assert [r["id"] for r in extra["rules"]] == ["big", "small"]
    html = web.post(
        url,
        {
            "rule_count": "2",
            "rule-0-id": "big",
            "rule-0-field": "a",
            "rule-0-operator": "equals",
            "rule-1-id": "small",
            "rule-1-field": "b",
            "rule-1-operator": "equals",
            "_action": "remove_rule:0",
        },
    ).content.decode()
    assert 'value="big"' not in html and 'value="small"' in html


def test_rule_without_route_id_is_an_error(web, workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="s", component_type="switch")
    html = web.post(
        "/workflows/flow/editor/nodes/s/panel/",
        {"rule_count": "1", "rule-0-id": "", "rule-0-field": "a", "rule-0-operator": "equals"},
    ).content.decode()
    assert "Route id is required." in html
    assert not config_of(workflow, "s").extra_config


def test_variable_picker_lists_upstream_ports_by_bfs(web, workflow):
    t = WorkflowNodeFactory(workflow=workflow, node_id="trigger_manual_1", component_type="trigger_manual")
    a = WorkflowNodeFactory(workflow=workflow, node_id="code_a", component_type="code")
    b = WorkflowNodeFactory(workflow=workflow, node_id="code_b", component_type="code")
    WorkflowNodeFactory(workflow=workflow, node_id="code_other", component_type="code")
    WorkflowEdge.objects.create(workflow=workflow, source=t, target=a)
    WorkflowEdge.objects.create(workflow=workflow, source=a, target=b)
    html = web.get("/workflows/flow/editor/nodes/code_b/panel/").content.decode()
    assert "{{ code_a.output }}" in html
    assert "{{ trigger_manual_1.payload }}" in html and "{{ trigger.text }}" in html
    assert html.index("code_a.output") < html.index("trigger_manual_1.payload")  # nearest first
    assert "code_other" not in html


def test_panel_of_someone_elses_workflow_is_404(workflow):
    WorkflowNodeFactory(workflow=workflow, node_id="c", component_type="code")
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get("/workflows/flow/editor/nodes/c/panel/").status_code == 404
    assert stranger.post("/workflows/flow/editor/nodes/c/panel/", {"col__code": "x"}).status_code == 404
