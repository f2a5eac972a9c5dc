import pytest

from apps.execution import expressions
from apps.execution.expressions import build_context, resolve_string, resolve_value


@pytest.fixture
def context():
    return build_context(
        node_outputs={
            "categorizer_abc": {"category": "billing", "score": 0.9, "nested": {"deep": {"key": "v"}}},
            "search_1": {"results": [{"title": "A"}, {"title": "B"}]},
        },
        trigger={"text": "hello", "chat_id": 42, "meta": {"lang": "en"}},
    )


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("The category is {{ categorizer_abc.category }}", "The category is billing"),
        ("{{ trigger.text | upper }}!", "HELLO!"),
        ("{{ trigger.payload.chat_id }}", 42),
        ("{{ trigger.payload.meta.lang }}", "en"),
        ("{{ categorizer_abc.nested.deep.key }}", "v"),
        ("{{ node_outputs.categorizer_abc.category }}", "billing"),
        ("{{ input.chat_id }}", 42),
        ("{{ trigger.text | title }} {{ trigger.text | length }}", "Hello 5"),
        ("{{ 'abcdefghij' | truncate(5, True, '', 0) }}", "abcde"),
        ("{{ trigger.missing | default('N/A') }}", "N/A"),
        ("{{ search_1.results | tojson }}", '[{"title": "A"}, {"title": "B"}]'),
        ("{{ search_1.results | map(attribute='title') | join(',') }}", "A,B"),
        ("{% if categorizer_abc.score > 0.5 %}high{% else %}low{% endif %}", "high"),
    ],
)
def test_resolves_references_filters_and_nested_access(context, template, expected):
    assert resolve_string(template, context) == expected


def test_a_whole_string_expression_keeps_its_native_type(context):
    assert resolve_string("{{ search_1.results }}", context) == [{"title": "A"}, {"title": "B"}]
    assert resolve_string("{{ categorizer_abc.score }}", context) == 0.9
    assert resolve_string("{{categorizer_abc.score}}", context) == 0.9


def test_dicts_inside_a_larger_template_render_as_json(context):
    assert resolve_string("data: {{ trigger.payload.meta }}", context) == 'data: {"lang": "en"}'


def test_two_expressions_render_to_a_string(context):
    assert resolve_string("{{ trigger.text }}{{ trigger.text }}", context) == "hellohello"


@pytest.mark.parametrize(
    "template",
    [
        "{{ node_xyz.output }}",
        "before {{ node_xyz.output }} after {{ trigger.text }}",
        "{{ categorizer_abc.nope }}",
        "{{ trigger.text ",
        "{{ unknown_var }}",
        "{% for %}",
    ],
)
def test_unresolvable_templates_are_left_unchanged(context, template):
    assert resolve_string(template, context) == template


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ trigger.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ 'a' * 100000000 }}",
        "{{ 10 ** 100000000 }}",
        "{{ range(10**9) | list }}",
        "{{ ''.format.__self__ }}",
    ],
)
def test_template_injection_is_refused_and_left_as_is(context, template):
    assert resolve_string(template, context) == template


def test_resolve_value_walks_dicts_and_lists_and_leaves_other_values(context):
    config = {
        "url": "https://x/{{ trigger.payload.chat_id }}",
        "rules": [{"value": "{{ categorizer_abc.category }}", "n": 3}],
        "flag": True,
        "none": None,
    }
    assert resolve_value(config, context) == {
        "url": "https://x/42",
        "rules": [{"value": "billing", "n": 3}],
        "flag": True,
        "none": None,
    }


def test_strings_without_expressions_skip_jinja(context, monkeypatch):
    monkeypatch.setattr(expressions, "_compile", lambda source: pytest.fail("compiled"))
    assert resolve_string("plain text", context) == "plain text"


def test_templates_are_compiled_once(context):
    expressions._compile.cache_clear()
    for _ in range(5):
        resolve_string("{{ trigger.text }} x", context)
    info = expressions._compile.cache_info()
    assert info.misses == 1 and info.hits == 4


def test_trigger_context_exposes_text_and_payload():
    ctx = expressions.trigger_context({"text": "hi", "k": 1})
    assert ctx["text"] == "hi" and ctx["payload"] == {"text": "hi", "k": 1} and ctx["k"] == 1
    assert expressions.trigger_context(None)["text"] == ""
