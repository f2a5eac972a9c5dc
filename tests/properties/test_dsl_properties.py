"""Hypothesis properties of the YAML DSL (apps/workflows/dsl/): whatever text arrives, compiling it either
succeeds or lists problems with paths into the document; it never raises anything else, never writes a
row, and never constructs anything but plain data (yaml.safe_load only)."""

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apps.audit.models import AuditEntry
from apps.workflows.dsl.errors import DslInvalid
from apps.workflows.dsl.parser import CREATE_KEYS, FORK_KEYS
from apps.workflows.dsl.service import dsl_compile, workflow_create_from_dsl
from apps.workflows.models import Workflow, WorkflowEdge, WorkflowNode
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MARKER = Path("/tmp/pipelit-dsl-property-marker")  # a hostile tag that ran would create it

# Keys the compiler looks at, so generated documents reach past the first check.
DSL_KEYS = st.sampled_from(
    [
        "name", "slug", "description", "tags", "model", "trigger", "triggers", "steps", "edges", "based_on",
        "patches", "id", "type", "snippet", "next", "config", "body", "rules", "route", "default", "prompt",
        "tools", "url", "from", "to", "label", "position", "credential", "over", "op", "node", "junk",
    ]
)  # fmt: skip
STEP_TYPES = st.sampled_from(
    ["code", "agent", "switch", "loop", "http", "wait", "merge", "filter", "nope", ""]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | STEP_TYPES
)
DATA = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(DSL_KEYS | st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=25,
)
STEP = st.fixed_dictionaries(
    {"type": STEP_TYPES}, optional={"id": st.sampled_from(["a", "b", "c", "trigger"]), "snippet": SCALARS}
).flatmap(lambda step: st.dictionaries(DSL_KEYS, DATA, max_size=3).map(lambda extra: {**extra, **step}))
DOCUMENTS = st.dictionaries(DSL_KEYS, DATA, max_size=6) | st.builds(
    lambda steps, rest: {**rest, "steps": steps},
    st.lists(STEP, min_size=1, max_size=5),
    st.dictionaries(DSL_KEYS, DATA, max_size=3),
)
HOSTILE = [
    f"!!python/object/apply:os.system ['touch {MARKER}']",
    f"steps: !!python/object/apply:subprocess.check_output [['touch', '{MARKER}']]",
    "steps:\n  - !!python/object:apps.workflows.models.Workflow {name: x}\n",
    "steps: !!python/name:os.system\n",
    "steps: !!python/module:os\n",
    "steps: !!binary aGVsbG8=\n",
    "steps: !custom {a: 1}\n",
    "%TAG !e! tag:evil.example,2000:\n---\nsteps: !e!thing [1]\n",
    # A billion-laughs shape: aliases share one object, so the compiler must not walk it exponentially.
    "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c]\nsteps: [*d, *d, *d, *d, *d, *d, *d, *d]\n",
    "steps: &loop\n  - next: *loop\n",
    "\x00\x01steps: [",
    "steps:\n\t- {id: a}\n",
    "? [a, b]\n: c\nsteps: []\n",
]


def owner():
    from apps.agents.models import User

    return User.objects.filter(username="dsl-prop").first() or UserFactory(username="dsl-prop")


def row_counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Workflow, WorkflowNode, WorkflowEdge, AuditEntry))


def top_keys(text: str) -> set[str] | None:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return {str(key) for key in document} if isinstance(document, dict) else None


def compile_outcome(text: str):
    """(compiled or None, problems); anything but DslInvalid propagates and fails the property."""
    user = owner()
    before = row_counts()
    try:
        compiled, problems = dsl_compile(owner=user, text=text), []
    except DslInvalid as exc:
        compiled, problems = None, exc.problems
    assert row_counts() == before, "compiling wrote rows"
    return compiled, problems


def assert_problems_point_into_the_document(text: str, problems) -> None:
    assert problems, "invalid without a single problem"
    keys = top_keys(text)
    for problem in problems:
        assert isinstance(problem.path, str) and problem.message.strip()
        if keys is not None and problem.path:
            # The field a problem is about is in the document, or is a DSL key it lacks ("Required.").
            root = problem.path.split(".")[0].split("[")[0]
            assert root in keys | CREATE_KEYS | FORK_KEYS, f"{problem.path!r} is not in the document"


@pytest.fixture(autouse=True)
def _no_marker():
    MARKER.unlink(missing_ok=True)
    yield
    MARKER.unlink(missing_ok=True)


@SETTINGS
@given(st.text(max_size=300))
@example("")
@example("   \n")
@example("- just\n- a list\n")
@example("steps: 3")
@example("{")
def test_any_text_compiles_or_lists_problems_and_writes_nothing(text):
    compiled, problems = compile_outcome(text)
    if compiled is None:
        assert_problems_point_into_the_document(text, problems)


@SETTINGS
@given(DOCUMENTS)
def test_generated_documents_compile_or_list_problems_with_paths_into_them(document):
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    compiled, problems = compile_outcome(text)
    if compiled is None:
        assert_problems_point_into_the_document(text, problems)
    else:  # valid: every node came from somewhere in the document
        assert compiled.draft.nodes and "steps" in document


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_yaml_is_refused_or_stays_plain_data(text):
    compiled, problems = compile_outcome(text)
    assert not MARKER.exists(), "a YAML tag ran code"
    assert compiled is None
    if "python/" in text or "!custom" in text or "!e!" in text:
        assert any("Invalid YAML" in p.message for p in problems), problems
    else:
        assert_problems_point_into_the_document(text, problems)


STEP_ID = st.from_regex(r"\A[a-z][a-z0-9_]{0,10}\Z").filter(lambda s: s not in ("trigger", "chat"))


@SETTINGS
@given(st.lists(STEP_ID, min_size=1, max_size=8, unique=True))
def test_a_linear_step_list_compiles_to_a_chain_in_order(ids):
    steps = [{"id": step_id, "type": "code", "snippet": f"return {i}"} for i, step_id in enumerate(ids)]
    compiled, problems = compile_outcome(yaml.safe_dump({"name": "Chain", "steps": steps}, sort_keys=False))
    assert compiled is not None, problems
    draft = compiled.draft
    trigger = [node_id for node_id, node in draft.nodes.items() if node.component_type.startswith("trigger_")]
    assert len(trigger) == 1 and len(draft.nodes) == len(ids) + 1
    chain = [trigger[0], *ids]
    pairs = [(edge.source, edge.target) for edge in draft.edges]
    assert sorted(pairs, key=lambda pair: chain.index(pair[0])) == list(zip(chain, chain[1:], strict=False))
    between_steps = [pair for pair in pairs if pair[0] != trigger[0]]
    assert between_steps == list(zip(ids, ids[1:], strict=False))  # written in step order
    assert all(draft.nodes[step_id].component_type == "code" for step_id in ids)


@SETTINGS
@given(st.lists(STEP_ID, min_size=1, max_size=4, unique=True), st.booleans())
def test_create_writes_the_whole_graph_or_nothing(ids, break_it):
    steps = [{"id": step_id, "type": "code", "snippet": "return 1"} for step_id in ids]
    if break_it:
        steps.append({"id": "broken", "type": "code"})  # no snippet: one problem, and nothing written
    text = yaml.safe_dump({"steps": steps})
    user = owner()
    before = row_counts()[:3]
    try:
        workflow, _warnings = workflow_create_from_dsl(owner=user, text=text)
    except DslInvalid as exc:
        assert break_it and [p.path for p in exc.problems] == [f"steps[{len(ids)}].snippet"]
        assert row_counts()[:3] == before
        return
    assert not break_it
    assert workflow.nodes.count() == len(ids) + 1 and workflow.edges.count() == len(ids)
    assert row_counts()[:3] == (before[0] + 1, before[1] + len(ids) + 1, before[2] + len(ids))


def _alias_bomb(levels: int) -> str:
    lines = ["l0: &l0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return (
        "steps:\n  - id: a\n    type: code\n    snippet: return 1\n    config:\n      extra_data:\n"
        + "".join(f"        {line}\n" for line in lines)
    )


ALIAS_CHAIN = (
    "\n".join(["l0: &l0 [a]", *[f"l{i}: &l{i} [*l{i - 1}]" for i in range(1, 1500)]]) + "\nsteps: []\n"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # ~1 KiB of YAML standing for 10^9 values: measured through the aliases, never expanded.
        (_alias_bomb(9), "expands to more than 100000 values"),
        # Nesting past PyYAML's recursion, and a short chain of aliases that nests 1,500 levels deep.
        ("steps: " + "[" * 2000 + "]" * 2000, "nested more than 100 levels deep"),
        (ALIAS_CHAIN, "nested more than 100 levels deep"),
    ],
)
def test_alias_bombs_and_deep_nesting_are_refused_up_front(api_client, text, message):
    _compiled, problems = compile_outcome(text)
    assert [(p.path, message in p.message) for p in problems] == [("", True)]
    response = api_client.post("/api/v1/workflows/validate-dsl/", {"dsl": text}, format="json")
    assert response.status_code == 422 and message in response.json()["detail"]["validation_errors"][0]


def test_a_moderate_alias_bomb_under_the_limit_still_compiles():
    compiled, problems = compile_outcome(_alias_bomb(4))  # 10^4 values: big, but a document may share values
    assert compiled is not None, problems
