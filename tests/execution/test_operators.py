import pytest

from apps.execution.operators import MISSING, OPERATOR_NAMES, evaluate, lookup

REFERENCE_OPERATORS = {
    "exists",
    "does_not_exist",
    "is_empty",
    "is_not_empty",
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "starts_with",
    "not_starts_with",
    "ends_with",
    "not_ends_with",
    "matches_regex",
    "not_matches_regex",
    "gt",
    "lt",
    "gte",
    "lte",
    "after",
    "before",
    "after_or_equal",
    "before_or_equal",
    "is_true",
    "is_false",
    "length_eq",
    "length_neq",
    "length_gt",
    "length_lt",
    "length_gte",
    "length_lte",
}


def test_every_operator_of_the_reference_is_implemented():
    assert set(OPERATOR_NAMES) == REFERENCE_OPERATORS


@pytest.mark.parametrize(
    ("operator", "actual", "expected", "result"),
    [
        ("exists", 0, None, True),
        ("exists", MISSING, None, False),
        ("exists", None, None, False),
        ("does_not_exist", MISSING, None, True),
        ("does_not_exist", "", None, False),
        ("is_empty", "", None, True),
        ("is_empty", [], None, True),
        ("is_empty", {}, None, True),
        ("is_empty", MISSING, None, True),
        ("is_empty", "x", None, False),
        ("is_not_empty", [1], None, True),
        ("is_not_empty", None, None, False),
        ("equals", "a", "a", True),
        ("equals", 5, "5", True),
        ("equals", "5.0", 5, True),
        ("equals", "a", "b", False),
        ("equals", True, "true", True),
        ("not_equals", "a", "b", True),
        ("not_equals", 1, 1, False),
        ("contains", "hello world", "world", True),
        ("contains", ["a", "b"], "b", True),
        ("contains", [1, 2], "2", True),
        ("contains", {"k": 1}, "k", True),
        ("not_contains", "abc", "z", True),
        ("not_contains", "abc", "a", False),
        ("starts_with", "hello", "he", True),
        ("not_starts_with", "hello", "he", False),
        ("ends_with", "hello", "lo", True),
        ("not_ends_with", "hello", "x", True),
        ("matches_regex", "order-123", r"^order-\d+$", True),
        ("not_matches_regex", "abc", r"\d", True),
        ("gt", 5, 3, True),
        ("gt", "10", "9", True),
        ("gt", "abc", 1, False),
        ("lt", 1, 2, True),
        ("gte", 2, 2, True),
        ("lte", 3, 2, False),
        ("gt", None, 1, False),
        ("gt", True, 0, False),
        ("after", "2026-01-02T00:00:00Z", "2026-01-01", True),
        ("before", "2026-01-01", "2026-01-02T10:00:00+00:00", True),
        ("after_or_equal", "2026-01-01T00:00:00", "2026-01-01T00:00:00Z", True),
        ("before_or_equal", "2026-01-03", "2026-01-02", False),
        ("after", "not a date", "2026-01-01", False),
        ("after", 1_800_000_000, "2026-01-01", True),
        ("is_true", True, None, True),
        ("is_true", "yes", None, True),
        ("is_true", "false", None, False),
        ("is_false", False, None, True),
        ("is_false", "0", None, True),
        ("is_false", MISSING, None, False),
        ("length_eq", [1, 2], 2, True),
        ("length_neq", "abc", 3, False),
        ("length_gt", [1, 2, 3], "2", True),
        ("length_lt", [], 1, True),
        ("length_gte", "ab", 2, True),
        ("length_lte", [1, 2], 1, False),
        ("length_gt", 5, 1, False),
    ],
)
def test_operator_semantics(operator, actual, expected, result):
    assert evaluate(operator, actual, expected) is result


def test_unknown_operator_and_bad_regex_are_value_errors():
    with pytest.raises(ValueError, match="unknown operator"):
        evaluate("near", 1, 2)
    with pytest.raises(ValueError, match="invalid regular expression"):
        evaluate("matches_regex", "a", "(")


def test_lookup_follows_dicts_lists_and_refuses_private_attributes():
    root = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    assert lookup(root, "a.b.1.c") == 2 and lookup(root, "a.b.-1.c") == 2
    assert lookup(root, "a.x") is MISSING and lookup(root, "a.b.9") is MISSING
    assert lookup("text", "__class__") is MISSING
