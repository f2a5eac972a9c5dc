"""Categorizer, router, extractor and output parser through the real engine and the fake model server."""

import pytest

from apps.agents.components.categorizer import choose_category
from apps.agents.resolution import parse_output
from tests.agents.components.conftest import model_node

CATEGORIES = [
    {"name": "billing", "description": "Invoices and payments"},
    {"name": "technical", "description": "Bugs"},
    {"name": "general"},
]


def routed_graph(credential, head: dict, *, with_model=True):
    nodes = [{"id": "trigger", "type": "trigger_manual"}, head]
    edges = ["trigger -> " + head["id"]]
    if with_model:
        nodes.append(model_node(credential))
        edges.append({"source": "model", "target": head["id"], "label": "llm"})
    for name in ("billing", "technical", "general"):
        nodes.append({"id": name, "type": "code", "config": {"code": f"result = '{name} branch'"}})
        edges.append({"source": head["id"], "target": name, "condition": name})
    return {"nodes": nodes, "edges": edges}


def test_categorizer_routes_to_the_category_the_model_chose(credential, fake_openai, run_ai):
    head = {"id": "cat", "type": "categorizer", "config": {"categories": CATEGORIES}}
    fake_openai.reply('{"category": "technical"}', usage=(40, 6))

    outcome, reporter = run_ai(routed_graph(credential, head), {"text": "The app crashes"})

    assert outcome.status == "completed", outcome.error
    statuses = reporter.statuses()
    assert "model" not in statuses  # a sub-component is not a step of its own
    assert statuses == {
        "trigger": "success",
        "cat": "success",
        "billing": "skipped",
        "technical": "success",
        "general": "skipped",
    }
    assert outcome.node_outputs["cat"] == {"category": "technical", "raw": '{"category": "technical"}'}
    assert outcome.final_output == {"output": "technical branch"}
    assert outcome.token_usage["llm_calls"] == 1 and outcome.token_usage["total_tokens"] == 46
    prompt = fake_openai.chat_requests[0].body["messages"][0]["content"]
    assert "- billing: Invoices and payments" in prompt and "- general" in prompt


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"category": "Billing"}', "billing"),
        ('Sure! "category": "general" it is', "general"),
        ("This looks technical to me.", "technical"),
        ("no idea", "billing"),
    ],
)
def test_categorizer_parses_json_fragments_mentions_and_falls_back_to_the_first(reply, expected):
    assert choose_category(reply, ["billing", "technical", "general"]) == expected


def test_router_routes_on_a_state_value_without_a_model_call(credential, fake_openai, run_ai):
    graph = routed_graph(
        credential,
        {"id": "route", "type": "router", "config": {"condition_field": "input.kind"}},
        with_model=False,
    )
    graph["nodes"].append({"id": "prep", "type": "code", "config": {"code": "result = {'kind': 'general'}"}})
    graph["edges"][0] = "trigger -> prep"
    graph["edges"].append("prep -> route")

    outcome, reporter = run_ai(graph, {})

    assert outcome.status == "completed", outcome.error
    assert outcome.final_output == {"output": "general branch"}
    assert reporter.statuses()["billing"] == "skipped"
    assert fake_openai.chat_requests == []


def test_router_evaluates_a_condition_expression(credential, run_ai):
    graph = routed_graph(
        credential,
        {
            "id": "route",
            "type": "router",
            "config": {"condition_expression": "'billing' if trigger.amount > 10 else 'general'"},
        },
        with_model=False,
    )
    outcome, _ = run_ai(graph, {"amount": 50})
    assert outcome.final_output == {"output": "billing branch"}


SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}


def extractor_graph(credential, config=None, parser=None):
    nodes = [
        {"id": "trigger", "type": "trigger_manual"},
        {"id": "extract", "type": "extractor", "config": {"schema": SCHEMA} if config is None else config},
        model_node(credential),
    ]
    edges = ["trigger -> extract", {"source": "model", "target": "extract", "label": "llm"}]
    if parser:
        nodes.append({"id": "parser", "type": "output_parser", "config": parser})
        edges.append({"source": "parser", "target": "extract", "label": "output_parser"})
    return {"nodes": nodes, "edges": edges}


def test_extractor_returns_schema_valid_json_from_a_fenced_reply(credential, fake_openai, run_ai):
    fake_openai.reply('Here you go:\n```json\n{"name": "Ada", "age": 36}\n```')

    outcome, _ = run_ai(extractor_graph(credential), {"text": "Ada is 36."})

    assert outcome.status == "completed", outcome.error
    assert outcome.final_output == {"extracted": {"name": "Ada", "age": 36}}
    assert '"required"' in fake_openai.chat_requests[0].body["messages"][0]["content"]


def test_extractor_repairs_an_invalid_reply_once(credential, fake_openai, run_ai):
    fake_openai.reply('{"name": "Ada", "age": "thirty-six"}', usage=(50, 10))
    fake_openai.reply('{"name": "Ada", "age": 36}', usage=(80, 10))

    outcome, _ = run_ai(extractor_graph(credential), {"text": "Ada is thirty-six."})

    assert outcome.status == "completed", outcome.error
    assert outcome.final_output == {"extracted": {"name": "Ada", "age": 36}}
    repair = fake_openai.chat_requests[1].body["messages"]
    assert "age: 'thirty-six' is not of type 'integer'" in repair[-1]["content"]
    assert outcome.token_usage["llm_calls"] == 2 and outcome.token_usage["input_tokens"] == 130


def test_extractor_fails_with_invalid_output_after_its_repair_attempt(credential, fake_openai, run_ai):
    fake_openai.reply("I cannot do that.")
    fake_openai.reply('{"name": "Ada"}')

    outcome, _ = run_ai(extractor_graph(credential), {"text": "?"})

    assert outcome.status == "failed"
    assert outcome.error_code == "invalid_output"
    assert "'age' is a required property" in outcome.error
    assert len(fake_openai.chat_requests) == 2


def test_extractor_reads_its_schema_from_the_output_parser(credential, fake_openai, run_ai):
    fake_openai.reply('{"name": "Bo", "age": 3}')
    graph = extractor_graph(credential, config={}, parser={"parser_type": "json", "schema": SCHEMA})

    outcome, _ = run_ai(graph, {"text": "Bo is 3."})

    assert outcome.final_output == {"extracted": {"name": "Bo", "age": 3}}


def test_extractor_without_a_schema_fails_as_invalid_config(credential, run_ai):
    outcome, _ = run_ai(extractor_graph(credential, config={}), {"text": "x"})
    assert outcome.error_code == "invalid_config"


@pytest.mark.parametrize(
    ("text", "parser_type", "pattern", "expected"),
    [
        ('{"a": 1}', "json", "", {"a": 1}),
        ("```json\n[1, 2]\n```", "json", "", [1, 2]),
        ("not json", "json", "", "not json"),
        ("id=4, id=7", "regex", r"id=(\d+)", ["4", "7"]),
        ("1. First\n- Second\n* Third\n\n", "list", "", ["First", "Second", "Third"]),
    ],
)
def test_output_parser_types(text, parser_type, pattern, expected):
    assert parse_output(text, parser_type, pattern) == expected
