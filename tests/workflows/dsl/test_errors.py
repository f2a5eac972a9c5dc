"""Every error class names its path precisely, all problems come back at once, and nothing is written."""

import pytest

from apps.workflows.dsl.errors import DslInvalid
from apps.workflows.dsl.service import workflow_create_from_dsl
from apps.workflows.models import ComponentConfig, Workflow, WorkflowEdge, WorkflowNode

pytestmark = pytest.mark.django_db


def problems_of(user, text):
    before = (Workflow.objects.count(), WorkflowNode.objects.count(), WorkflowEdge.objects.count())
    with pytest.raises(DslInvalid) as caught:
        workflow_create_from_dsl(owner=user, text=text)
    after = (Workflow.objects.count(), WorkflowNode.objects.count(), WorkflowEdge.objects.count())
    assert after == before and ComponentConfig.objects.count() == 0
    return {p.path: p.message for p in caught.value.problems}


def test_invalid_yaml_reports_line_and_column(user):
    problems = problems_of(user, "name: x\nsteps:\n  - id: a\n   type: code\n")
    assert list(problems) == [""]
    assert problems[""].startswith("Invalid YAML (line 4, column 4): expected <block end>")


def test_yaml_is_parsed_safely_python_tags_are_rejected(user):
    problems = problems_of(user, "name: !!python/object/apply:os.system ['true']\nsteps: []\n")
    assert "Invalid YAML" in problems[""]


def test_a_document_that_is_not_a_mapping(user):
    assert problems_of(user, "- a\n- b\n") == {"": "The DSL document must be a mapping, not a list."}


def test_unknown_step_type_unknown_keys_and_missing_fields_are_all_listed(user):
    problems = problems_of(
        user,
        """
colour: blue
steps:
  - {id: z, type: teleport}
  - {id: b, type: code}
  - {id: c, type: code, snippet: "x", promt: "typo"}
  - {id: c, type: code, snippet: "x"}
  - {id: d, type: http, url: "http://x", next: [nowhere]}
""",
    )
    assert problems["colour"].startswith("Unknown top-level key in create mode")
    assert problems["steps[0].type"].startswith("Unknown step type 'teleport'; use one of agent, code, http")
    assert problems["steps[1].snippet"] == "Required for a 'code' step."
    assert problems["steps[2].promt"] == "Unknown key for a 'code' step."
    assert problems["steps[3].id"] == "Duplicate id 'c' (already used at steps[2])."
    assert problems["steps[4].next"] == "Unknown step 'nowhere'."


def test_unresolved_models_name_the_model_field(user):
    problems = problems_of(
        user,
        """
steps:
  - {id: a, type: agent, prompt: hi, model: {capability: "gpt-9-ultra"}}
  - {id: b, type: agent, prompt: hi, model: inherit}
  - {id: c, type: agent, prompt: hi, model: {credential_id: 999999, model_name: x}}
  - {id: d, type: agent, prompt: hi, model: {discover: true, preference: "prettiest"}}
""",
    )
    assert problems["steps[0].model.capability"].startswith(
        "No LLM credential offers a model matching 'gpt-9-ultra'"
    )
    assert problems["steps[1].model.inherit"].startswith("There is no parent agent to inherit from")
    assert problems["steps[2].model.credential_id"] == "LLM credential 999999 not found."
    assert problems["steps[3].model.preference"] == "Must be one of cheapest, fastest, most_capable."


def test_graph_validation_errors_carry_the_step_path_and_leave_no_rows(user):
    problems = problems_of(
        user,
        """
steps:
  - {id: bot, type: agent, prompt: hi}
  - {id: call, type: http, url: "http://x", method: FETCH}
  - {id: sw, type: switch, rules: [{field: x, operator: equals, value: 1, route: bot}]}
""",
    )
    assert problems["steps[0]"] == (
        "Node 'bot' is missing required 'model' connection (set `model:` on the step or at the top level)"
    )
    assert "config.extra_config: extra_config.method: 'FETCH' is not one of" in problems["steps[1]"]


def test_unknown_trigger_and_switch_rule_without_route(user):
    problems = problems_of(
        user,
        """
trigger: {type: carrier_pigeon}
steps:
  - {id: sw, type: switch, rules: [{field: x, operator: equals}], default: gone}
""",
    )
    assert problems["trigger.type"].startswith("Unknown trigger type 'carrier_pigeon'; use one of chat")
    assert problems["steps[0].rules[0].route"].startswith("A rule needs a `route`")
    assert problems["steps[0].default"] == "Unknown step 'gone'."


def test_a_step_type_whose_node_type_is_not_installed_says_so(user, monkeypatch):
    from apps.workflows import registry

    monkeypatch.setattr(registry, "_REGISTRY", {k: v for k, v in registry._REGISTRY.items() if k != "loop"})
    problems = problems_of(user, "steps:\n  - {id: l, type: loop, over: '{{ x }}', body: []}\n")
    assert problems["steps[0].type"] == "Step type 'loop' needs the 'loop' node type, which is not installed."


def test_failure_in_the_write_phase_rolls_back_the_workflow_row(user, monkeypatch):
    from apps.workflows.dsl import service

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_link_subworkflows", lambda *a: boom())
    with pytest.raises(RuntimeError):
        workflow_create_from_dsl(owner=user, text="steps:\n  - {id: a, type: code, snippet: x}\n")
    assert Workflow.objects.count() == 0 and WorkflowNode.objects.count() == 0
