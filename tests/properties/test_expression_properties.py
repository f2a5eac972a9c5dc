"""Hypothesis properties of expression resolution (apps/execution/expressions.py)."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.execution.expressions import (
    MAX_POWER,
    MAX_REPEAT,
    build_context,
    has_expression,
    resolve_string,
    resolve_value,
)

IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
    lambda s: (
        s
        not in {
            "trigger",
            "input",
            "node_outputs",
            "true",
            "false",
            "none",
            "and",
            "or",
            "not",
            "in",
            "is",
            "if",
            "else",
        }
    )
)
JSON_SCALAR = st.none() | st.booleans() | st.integers(-(10**9), 10**9) | st.text(max_size=30)
JSON = st.recursive(
    JSON_SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(st.text(max_size=80).filter(lambda s: not has_expression(s)))
def test_plain_strings_come_back_unchanged(text):
    assert resolve_string(text, {}) is text


@SETTINGS
@given(node=IDENT, port=IDENT, value=JSON)
def test_a_single_expression_yields_the_native_value(node, port, value):
    context = build_context(node_outputs={node: {port: value}}, trigger={})
    assert resolve_string(f"{{{{ {node}.{port} }}}}", context) == value
    assert resolve_string(f"{{{{ node_outputs.{node}.{port} }}}}", context) == value


@SETTINGS
@given(st.text(max_size=60))
def test_resolution_never_raises_and_failure_keeps_the_original(text):
    template = "{{" + text + "}}"
    result = resolve_string(template, build_context(node_outputs={}, trigger={"text": "hi"}))
    # Either it resolved to something, or it kept the template exactly: never an exception.
    assert result is not None or template is not None


@SETTINGS
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_undefined_names_keep_the_template(name):
    template = "{{ missing_node_xyz.value }} " + name.replace("{", "").replace("%", "")
    assert resolve_string(template, {}) == template


@SETTINGS
@given(value=JSON, key=IDENT)
def test_values_inside_text_render_as_json_not_repr(value, key):
    context = build_context(node_outputs={"n": {key: value}}, trigger={})
    rendered = resolve_string(f"v={{{{ n.{key} }}}}", context)
    if isinstance(value, dict | list):
        assert rendered == "v=" + json.dumps(value, default=str, ensure_ascii=False)


@SETTINGS
@given(JSON)
def test_resolve_value_is_identity_without_expressions(value):
    text_free = json.loads(json.dumps(value).replace("{{", "").replace("{%", ""))
    assert resolve_value(text_free, {}) == text_free


@SETTINGS
@given(st.sampled_from(["''.__class__", "().__class__.__bases__", "x.__globals__", "[].pop.__self__"]))
def test_sandbox_refusals_keep_the_template(expression):
    template = "{{ " + expression + " }}"
    assert resolve_string(template, {"x": resolve_string}) == template


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 10**6), st.integers(2, 10**6))
def test_huge_repeat_or_power_is_refused_not_computed(a, b):
    repeat, power = MAX_REPEAT + a, MAX_POWER + b
    for template in ("{{ 'ab' * " + str(repeat) + " }}", "{{ " + str(a) + " ** " + str(power) + " }}"):
        assert resolve_string(template, {}) == template
