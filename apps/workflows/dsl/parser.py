"""YAML text -> a mapping (yaml.safe_load only), plus typed field readers that report problems by path."""

from __future__ import annotations

from typing import Any

import yaml

from apps.workflows.dsl.errors import Problems

MAX_DSL_BYTES = 256 * 1024
# Aliases let a few hundred bytes of YAML stand for millions of values ("billion laughs"); deep nesting
# exhausts the stack. Both are refused before the compiler or a JSON encoder walks the document.
MAX_DSL_VALUES = 100_000
MAX_DSL_DEPTH = 100

CREATE_KEYS = {"name", "description", "tags", "slug", "trigger", "triggers", "model", "steps", "edges"}
FORK_KEYS = {"based_on", "name", "description", "tags", "slug", "model", "patches"}


def parse(text: str, problems: Problems) -> dict[str, Any] | None:
    if not isinstance(text, str) or not text.strip():
        problems.add("", "The DSL document is empty.")
        return None
    if len(text.encode()) > MAX_DSL_BYTES:
        problems.add("", f"The DSL document is larger than {MAX_DSL_BYTES // 1024} KiB.")
        return None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        problems.add("", f"Invalid YAML{where}: {reason}")
        return None
    except RecursionError:  # PyYAML composes nested collections recursively
        problems.add("", f"The DSL document is nested more than {MAX_DSL_DEPTH} levels deep.")
        return None
    refusal = _size_refusal(document)
    if refusal:
        problems.add("", refusal)
        return None
    if not isinstance(document, dict):
        problems.add("", f"The DSL document must be a mapping, not {type_name(document)}.")
        return None
    allowed = FORK_KEYS if "based_on" in document else CREATE_KEYS
    for key in document:
        if key not in allowed:
            mode = "fork" if "based_on" in document else "create"
            problems.add(
                str(key), f"Unknown top-level key in {mode} mode; allowed: {', '.join(sorted(allowed))}."
            )
    return document


class _TooBig(Exception):
    pass


def _size_refusal(document: Any) -> str:
    """Why the loaded document is too big or too deep once aliases are expanded, or "".

    (values, height) are memoized per object, so a shared (aliased) value is measured once however often
    it appears; a value that contains itself counts once here and is refused later as not JSON.
    """
    measured: dict[int, tuple[int, int]] = {}
    too_deep = f"The DSL document is nested more than {MAX_DSL_DEPTH} levels deep."

    def measure(value: Any) -> tuple[int, int]:
        if not isinstance(value, dict | list):
            return 1, 0
        key = id(value)
        if key in measured:
            return measured[key]
        measured[key] = (1, 0)  # in progress: a cycle counts once
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        count, height = 1, 0
        for item in items:
            item_count, item_height = measure(item)
            count, height = count + item_count, max(height, item_height + 1)
        if count > MAX_DSL_VALUES:
            raise _TooBig(
                f"The DSL document expands to more than {MAX_DSL_VALUES} values (YAML aliases repeat them)."
            )
        if height > MAX_DSL_DEPTH:
            raise _TooBig(too_deep)
        measured[key] = (count, height)
        return count, height

    try:
        measure(document)
    except _TooBig as exc:
        return str(exc)
    except RecursionError:
        return too_deep
    return ""


def type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "empty",
    }.get(type(value), type(value).__name__)


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def get_str(
    data: dict, key: str, path: str, problems: Problems, *, required: bool = False, default: str | None = None
) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            problems.add(join(path, key), "Required.")
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        problems.add(join(path, key), f"Must be a string, not {type_name(value)}.")
        return default
    value = str(value)
    if required and not value.strip():
        problems.add(join(path, key), "Must not be empty.")
    return value


def get_list(data: dict, key: str, path: str, problems: Problems, *, required: bool = False) -> list:
    value = data.get(key)
    if value is None:
        if required:
            problems.add(join(path, key), "Required.")
        return []
    if not isinstance(value, list):
        problems.add(join(path, key), f"Must be a list, not {type_name(value)}.")
        return []
    return value


def get_dict(data: dict, key: str, path: str, problems: Problems) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.add(join(path, key), f"Must be a mapping, not {type_name(value)}.")
        return {}
    return value


def str_list(value: Any, path: str, problems: Problems) -> list[str]:
    """A string or a list of strings (e.g. `next:`, `tags:`)."""
    if value is None:
        return []
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        return [str(v) for v in value]
    problems.add(path, "Must be a string or a list of strings.")
    return []
