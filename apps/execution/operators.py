"""Rule operators shared by switch and filter, and dotted-path lookup of the value a rule tests."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

MISSING = object()


def lookup(root: Any, path: str) -> Any:
    """Follow a dotted path through dicts, lists (numeric parts) and attributes; MISSING if absent."""
    current = root
    for part in (p for p in str(path).split(".") if p):
        if isinstance(current, Mapping):
            current = current.get(part, MISSING)
        elif isinstance(current, Sequence) and not isinstance(current, str) and part.lstrip("-").isdigit():
            index = int(part)
            current = current[index] if -len(current) <= index < len(current) else MISSING
        else:
            current = getattr(current, part, MISSING) if not part.startswith("_") else MISSING
        if current is MISSING:
            return MISSING
    return current


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    if value is MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _equals(actual: Any, expected: Any) -> bool:
    a, b = _number(actual), _number(expected)
    if a is not None and b is not None:
        return a == b
    if isinstance(actual, bool) or isinstance(expected, bool):
        return _truthy(actual) == _truthy(expected)
    return actual == expected or _text(actual) == _text(expected)


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, Mapping):
        return _text(expected) in actual
    if isinstance(actual, list | tuple | set):
        return any(_equals(item, expected) for item in actual)
    return _text(expected) in _text(actual)


def _compare(op: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def check(actual: Any, expected: Any) -> bool:
        a, b = _number(actual), _number(expected)
        return a is not None and b is not None and op(a, b)

    return check


def _datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif (number := _number(value)) is not None:
        return datetime.fromtimestamp(number, UTC)
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _compare_dates(op: Callable[[datetime, datetime], bool]) -> Callable[[Any, Any], bool]:
    def check(actual: Any, expected: Any) -> bool:
        a, b = _datetime(actual), _datetime(expected)
        return a is not None and b is not None and op(a, b)

    return check


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "y", "on"}
    return bool(value) and value is not MISSING


def _falsy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"false", "0", "no", "n", "off", ""}
    return value is not MISSING and not value


def _is_empty(value: Any) -> bool:
    return value is MISSING or value is None or (hasattr(value, "__len__") and len(value) == 0)


def _length(op: Callable[[int, int], bool]) -> Callable[[Any, Any], bool]:
    def check(actual: Any, expected: Any) -> bool:
        b = _number(expected)
        return hasattr(actual, "__len__") and b is not None and op(len(actual), int(b))

    return check


def _regex(actual: Any, expected: Any) -> bool:
    return re.search(_text(expected), _text(actual)) is not None


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "exists": lambda a, _: a is not MISSING and a is not None,
    "does_not_exist": lambda a, _: a is MISSING or a is None,
    "is_empty": lambda a, _: _is_empty(a),
    "is_not_empty": lambda a, _: not _is_empty(a),
    "equals": _equals,
    "not_equals": lambda a, b: not _equals(a, b),
    "contains": _contains,
    "not_contains": lambda a, b: not _contains(a, b),
    "starts_with": lambda a, b: _text(a).startswith(_text(b)),
    "not_starts_with": lambda a, b: not _text(a).startswith(_text(b)),
    "ends_with": lambda a, b: _text(a).endswith(_text(b)),
    "not_ends_with": lambda a, b: not _text(a).endswith(_text(b)),
    "matches_regex": _regex,
    "not_matches_regex": lambda a, b: not _regex(a, b),
    "gt": _compare(lambda a, b: a > b),
    "lt": _compare(lambda a, b: a < b),
    "gte": _compare(lambda a, b: a >= b),
    "lte": _compare(lambda a, b: a <= b),
    "after": _compare_dates(lambda a, b: a > b),
    "before": _compare_dates(lambda a, b: a < b),
    "after_or_equal": _compare_dates(lambda a, b: a >= b),
    "before_or_equal": _compare_dates(lambda a, b: a <= b),
    "is_true": lambda a, _: _truthy(a),
    "is_false": lambda a, _: _falsy(a),
    "length_eq": _length(lambda a, b: a == b),
    "length_neq": _length(lambda a, b: a != b),
    "length_gt": _length(lambda a, b: a > b),
    "length_lt": _length(lambda a, b: a < b),
    "length_gte": _length(lambda a, b: a >= b),
    "length_lte": _length(lambda a, b: a <= b),
}
OPERATOR_NAMES = tuple(OPERATORS)


def evaluate(operator: str, actual: Any, expected: Any = None) -> bool:
    """Apply a rule operator; an unknown operator is a configuration error (ValueError)."""
    try:
        check = OPERATORS[operator]
    except KeyError:
        raise ValueError(f"unknown operator {operator!r}") from None
    try:
        return check(actual, expected)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {expected!r}: {exc}") from None


RULE_SCHEMA = {
    "type": "object",
    "required": ["field", "operator"],
    "properties": {
        "id": {"type": "string"},
        "field": {"type": "string"},
        "operator": {"type": "string", "enum": list(OPERATOR_NAMES)},
        "value": {},
    },
}
