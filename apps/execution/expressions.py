"""Jinja2 expressions in node configs: `{{ node_id.port }}`, `{{ trigger.text }}`, filters; sandboxed.

Rules:
- A string without `{{`/`{%` is returned as is (no Jinja2 call).
- A string that is exactly ONE `{{ ... }}` expression (nothing around it) resolves to the native value
  (number, dict, list, bool...), so `{"items": "{{ search.results }}"}` hands a list to the component.
- Any other template renders to a string; dicts/lists inside it render as JSON, not Python repr.
- If anything is undefined, the syntax is wrong, or the sandbox refuses an operation (e.g.
  `{{ ''.__class__ }}`, huge `*`/`**`), the ORIGINAL string is kept: no partial resolution, no error.
- Templates are compiled once (LRU cache keyed by source).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment, SecurityError

_SINGLE_EXPRESSION = re.compile(r"^\{\{-?\s*((?:(?!\{\{|\}\}|\{%|%\}).)+?)\s*-?\}\}$", re.DOTALL)
MAX_REPEAT = 100_000  # longest sequence `*` may build; largest exponent `**` may use is MAX_POWER
MAX_POWER = 1_000


def _to_json(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, indent=indent, default=str, ensure_ascii=False)


def _from_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _finalize(value: Any) -> Any:
    if isinstance(value, dict | list):
        return _to_json(value)
    return value


class ExpressionEnvironment(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):  # noqa: ANN001
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_POWER:
            raise SecurityError("exponent too large")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple | bytes) and isinstance(count, int)
                if sized and len(seq) * count > MAX_REPEAT:
                    raise SecurityError("sequence repetition too large")
        return super().call_binop(context, operator, left, right)


_env = ExpressionEnvironment(undefined=StrictUndefined, autoescape=False, finalize=_finalize)
_env.filters["tojson"] = _to_json
_env.filters["fromjson"] = _from_json

_FAILED = object()


@lru_cache(maxsize=4096)
def _compile(source: str) -> Any:
    """A callable(context) -> value, or _FAILED when the source does not compile."""
    try:
        match = _SINGLE_EXPRESSION.match(source)
        if match:
            expression = _env.compile_expression(match.group(1), undefined_to_none=False)
            return lambda ctx: expression(**ctx)
        template = _env.from_string(source)
        return template.render
    except TemplateError:
        return _FAILED


def has_expression(value: str) -> bool:
    return "{{" in value or "{%" in value


def resolve_string(template: str, context: Mapping[str, Any]) -> Any:
    """Resolve one string against `context`; see the module docstring for the rules."""
    if not has_expression(template):
        return template
    render = _compile(template)
    if render is _FAILED:
        return template
    try:
        value = render(context)
    except (
        TemplateError,
        SecurityError,
        ArithmeticError,
        TypeError,
        ValueError,
        LookupError,
        AttributeError,
    ):
        return template
    if isinstance(value, Undefined):
        return template
    return value


def resolve_value(value: Any, context: Mapping[str, Any]) -> Any:
    """Resolve every string inside dicts/lists (recursively); other values are returned unchanged."""
    if isinstance(value, str):
        return resolve_string(value, context)
    if isinstance(value, dict):
        return {k: resolve_value(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_value(v, context) for v in value]
    return value


def needs_resolution(value: Any) -> bool:
    if isinstance(value, str):
        return has_expression(value)
    if isinstance(value, dict):
        return any(needs_resolution(v) for v in value.values())
    if isinstance(value, list):
        return any(needs_resolution(v) for v in value)
    return False


def trigger_context(payload: Mapping[str, Any] | None) -> dict[str, Any]:
    """The `trigger` variable: the payload's own keys plus `text` (default "") and `payload` (all of it)."""
    payload = dict(payload or {})
    return {**payload, "text": payload.get("text", ""), "payload": payload}


def build_context(
    *, node_outputs: Mapping[str, Any], trigger: Mapping[str, Any], extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Template variables: every node's outputs by node_id, `trigger`, `node_outputs` (these two always win
    over a node id) and `input` (the trigger payload, as the webhook page uses it, unless a node has that id)."""
    context: dict[str, Any] = dict(node_outputs)
    context["node_outputs"] = node_outputs
    context["trigger"] = trigger_context(trigger)
    context.setdefault("input", dict(trigger or {}))
    if extra:
        context.update(extra)
    return context
