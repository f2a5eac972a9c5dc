"""YAML text -> a mapping (yaml.safe_load only), plus typed field readers that report problems by path."""

from __future__ import annotations

from typing import Any

import yaml

from apps.workflows.dsl.errors import Problems

MAX_DSL_BYTES = 256 * 1024

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
