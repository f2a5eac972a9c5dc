"""Decompiler: every workflow exports to DSL YAML that compiles back to the same graph."""

import pytest
import yaml

from apps.workflows.dsl.decompiler import Decompiler, dump_yaml, workflow_decompile
from apps.workflows.dsl.errors import Problems
from apps.workflows.dsl.service import dsl_draft, workflow_create_from_dsl
from tests.execution.builders import build_workflow, code_chain
from tests.factories import LLMCredentialFactory
from tests.workflows.dsl.helpers import (
    build_fixture,
    draft_from_fixture,
    draft_graph,
    fixture_paths,
    graph_of,
)

pytestmark = pytest.mark.django_db


def round_trip(workflow, owner):
    text = dump_yaml(workflow_decompile(workflow=workflow))
    copy, _warnings = workflow_create_from_dsl(owner=owner, text=text)
    return copy, text


def assert_same_graph(original, copy, text):
    assert copy.pk != original.pk
    expected, actual = graph_of(original), graph_of(copy)
    assert actual["nodes"] == expected["nodes"], text
    assert actual["edges"] == expected["edges"], text


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
def test_every_fixture_workflow_round_trips(path, user):
    original = build_fixture(path, owner=user)  # every fixture is a workflow the API accepts
    copy, text = round_trip(original, user)
    assert_same_graph(original, copy, text)
    assert copy.name == original.name


def test_fixture_list_is_not_empty():
    assert len(fixture_paths()) >= 5


def test_code_chain_builder_round_trips_with_implicit_flow_only(user):
    original = code_chain(owner=user, count=4, description="four adders", tags=["math"])
    copy, text = round_trip(original, user)
    assert_same_graph(original, copy, text)
    document = yaml.safe_load(text)
    assert all("next" not in step for step in document["steps"])
    assert "edges" not in document
    assert (copy.description, copy.tags) == ("four adders", ["math"])


def test_agents_models_tools_routes_priorities_and_shared_models_round_trip(user):
    credential = LLMCredentialFactory()
    model = {"credential_id": credential.pk, "model_name": "gpt-4o", "temperature": 0.3}
    original = build_workflow(
        owner=user,
        nodes={
            "chat": {"component_type": "trigger_chat", "position_x": 10, "position_y": 20},
            "hook": {"component_type": "trigger_webhook", "label": "Incoming"},
            "agent": {
                "component_type": "agent",
                "config": {
                    "system_prompt": "Line one\nLine two",
                    "extra_config": {"conversation_memory": True},
                },
                "interrupt_before": True,
            },
            "brain": {
                "component_type": "ai_model",
                "config": {**model, "extra_config": {"context_window": 9000}},
            },
            "shared": {
                "component_type": "ai_model",
                "config": {"credential_id": credential.pk, "model_name": "m"},
            },
            "calc": {"component_type": "calculator"},
            "search": {
                "component_type": "web_search",
                "config": {"extra_config": {"searxng_url": "http://s"}},
            },
            "sorter": {
                "component_type": "categorizer",
                "config": {"extra_config": {"categories": [{"name": "a"}]}},
            },
            "parser": {
                "component_type": "output_parser",
                "config": {"extra_config": {"parser_type": "list"}},
            },
            "sw": {
                "component_type": "switch",
                "config": {
                    "extra_config": {
                        "rules": [
                            {"id": "yes", "field": "x", "operator": "is_true"},
                            {"id": "b", "field": "y", "operator": "exists"},
                        ],
                        "enable_fallback": True,
                    }
                },
            },
            "yes": {"component_type": "code", "config": {"code": "return 1"}},
            "no": {
                "component_type": "code",
                "config": {"code": "return 2", "extra_config": {"timeout_seconds": 3}},
            },
            "other": {"component_type": "human_confirmation", "config": {"extra_config": {"prompt": "ok?"}}},
            "join": {"component_type": "code", "config": {"code": "return inputs"}},
            "call": {
                "component_type": "http_request",
                "config": {"extra_config": {"url": "http://x", "method": "POST"}},
            },
        },
        edges=[
            ("chat", "agent"),
            ("hook", "sorter"),
            ("brain", "agent", {"edge_label": "llm"}),
            ("calc", "agent", {"edge_label": "tool"}),
            ("search", "agent", {"edge_label": "tool"}),
            ("shared", "sorter", {"edge_label": "llm"}),
            ("parser", "sorter", {"edge_label": "output_parser"}),
            ("agent", "sw"),
            ("sw", "yes", {"edge_type": "conditional", "condition_value": "yes"}),
            ("sw", "no", {"edge_type": "conditional", "condition_value": "b"}),
            ("sw", "other", {"edge_type": "conditional", "condition_value": "__other__"}),
            ("sorter", "join", {"edge_type": "conditional", "condition_value": "a"}),
            ("sorter", "call", {"edge_type": "conditional", "condition_value": "a"}),
            ("yes", "join", {"priority": 2}),
            ("no", "join"),
            ("other", "join", {"edge_type": "conditional", "condition_value": "confirmed"}),
            ("call", "join"),
        ],
    )
    copy, text = round_trip(original, user)
    assert_same_graph(original, copy, text)
    document = yaml.safe_load(text)
    agent = next(step for step in document["steps"] if step["id"] == "agent")
    assert agent["prompt"] == "Line one\nLine two"
    assert agent["model"]["id"] == "brain"
    assert [tool["type"] for tool in agent["tools"]] == ["calculator", "web_search"]
    switch = next(step for step in document["steps"] if step["id"] == "sw")
    assert switch["rules"][0] == {"field": "x", "operator": "is_true", "route": "yes"}
    assert switch["default"] == "other"
    assert "prompt: |" in text  # multi-line strings stay readable


def test_a_workflow_without_triggers_exports_an_empty_trigger_list(user):
    original = build_workflow(
        owner=user, nodes={"only": {"component_type": "code", "config": {"code": "x"}}}, edges=[]
    )
    copy, text = round_trip(original, user)
    assert yaml.safe_load(text)["triggers"] == []
    assert_same_graph(original, copy, text)


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
def test_every_fixture_graph_round_trips_in_memory_even_where_rest_rules_refuse_it(path, user):
    original = draft_from_fixture(path)
    text = dump_yaml(Decompiler(original).document())
    problems = Problems()
    copy = dsl_draft(owner=user, text=text, problems=problems)
    assert not problems, [str(p) for p in problems.items]
    assert draft_graph(copy) == draft_graph(original), text


def test_loops_and_subworkflows_round_trip(user):
    child = build_workflow(
        owner=user, slug="child", nodes={"t": {"component_type": "trigger_workflow"}}, edges=[]
    )
    original = build_workflow(
        owner=user,
        nodes={
            "chat": {"component_type": "trigger_chat"},
            "each": {
                "component_type": "loop",
                "config": {"extra_config": {"items": "{{ chat.text }}", "on_error": "continue"}},
            },
            "one": {"component_type": "code", "config": {"code": "return input"}},
            "two": {"component_type": "code", "config": {"code": "return input"}},
            "call": {
                "component_type": "workflow",
                "subworkflow_slug": child.slug,
                "config": {"input_mapping": {"x": "input"}},
            },
        },
        edges=[
            ("chat", "each"),
            ("each", "one", {"edge_label": "loop_body"}),
            ("one", "two"),
            ("two", "each", {"edge_label": "loop_return"}),
            ("each", "call"),
        ],
    )
    copy, text = round_trip(original, user)
    assert_same_graph(original, copy, text)
    assert "slug: child" in text
    loop = next(step for step in yaml.safe_load(text)["steps"] if step["id"] == "each")
    assert [step["id"] for step in loop["body"]] == ["one", "two"]  # a plain chain is written nested
    assert "edges" not in yaml.safe_load(text)
