"""The node details form, generated from the node type's config JSON Schema and its config kind.

Fields are plain dicts the template renders ({"name", "label", "widget", "value", ...}); `parse`
turns a POST back into `node_update` arguments or per-field errors, writing nothing on error.
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import QueryDict

from apps.workflows import registry
from apps.workflows.models import config_class_for
from apps.workflows.registry import ConfigKind, NodeTypeSpec
from apps.workflows.serializers import config_fields

EXPRESSION_WIDGETS = ("text", "textarea", "code")
LONG_TEXT = {"system_prompt", "code", "template", "body", "prompt", "message"}
KIND_FIELDS: dict[ConfigKind, list[tuple[str, str, str]]] = {
    # (column, label, widget)
    ConfigKind.AI: [("system_prompt", "System prompt", "textarea")],
    ConfigKind.CODE: [("code", "Code", "code"), ("language", "Language", "select")],
    ConfigKind.MODEL: [
        ("credential_id", "LLM credential", "credential"),
        ("model_name", "Model", "text"),
        ("temperature", "Temperature", "number"),
        ("max_tokens", "Max tokens", "integer"),
        ("top_p", "Top P", "number"),
        ("frequency_penalty", "Frequency penalty", "number"),
        ("presence_penalty", "Presence penalty", "number"),
    ],
    ConfigKind.TRIGGER: [
        ("is_active", "Active", "boolean"),
        ("priority", "Priority", "integer"),
        ("credential_id", "Credential", "credential"),
    ],
    ConfigKind.SUBWORKFLOW: [
        ("trigger_mode", "Trigger mode", "select"),
        ("input_mapping", "Input mapping (JSON)", "json"),
    ],
}
CHOICES = {"language": ["python"], "trigger_mode": ["implicit", "explicit"]}


def credential_choices(*, llm_only: bool) -> list[tuple[int, str]]:
    model = apps.get_model(settings.PIPELIT_CREDENTIAL_MODEL)
    return [
        (c.pk, c.name)
        for c in model.objects.order_by("name")
        if not llm_only or getattr(c, "credential_type", "") == "llm"
    ]


def _schema_widget(prop: dict) -> str:
    kind = prop.get("type")
    if "enum" in prop:
        return "select"
    if kind == "boolean":
        return "boolean"
    if kind == "integer":
        return "integer"
    if kind == "number":
        return "number"
    if kind == "string":
        return "text"
    if kind == "array" and (prop.get("items") or {}).get("type") in ("string", "number", "integer"):
        return "lines"
    return "json"


def _display(widget: str, value: Any) -> Any:
    if widget == "json":
        return "" if value in (None, "") else json.dumps(value, indent=2)
    if widget == "lines":
        return "\n".join(str(v) for v in value or [])
    if value is None:
        return ""
    return value


def form_fields(*, spec: NodeTypeSpec, config: dict) -> list[dict[str, Any]]:
    extra = config.get("extra_config") or {}
    own = {key for _, key in config_fields(config_class_for(spec.config_kind))}
    fields = []
    for column, label, widget in KIND_FIELDS.get(spec.config_kind, []):
        field = {"name": f"col__{column}", "key": column, "label": label, "widget": widget}
        field["value"] = _display(widget, config.get(column))
        field["choices"] = CHOICES.get(column, [])
        if widget == "credential":
            field["choices"] = credential_choices(llm_only=spec.config_kind == ConfigKind.MODEL)
        fields.append(field)
    for key, prop in (spec.config_schema.get("properties") or {}).items():
        if key in own or (spec.routes and key == "rules"):
            continue
        widget = _schema_widget(prop)
        if widget == "text" and key in LONG_TEXT:
            widget = "textarea"
        fields.append(
            {
                "name": f"extra__{key}",
                "key": key,
                "label": prop.get("title") or key.replace("_", " ").capitalize(),
                "widget": widget,
                "help": prop.get("description", ""),
                "choices": prop.get("enum", []),
                "value": _display(widget, extra.get(key, prop.get("default"))),
                "item_type": (prop.get("items") or {}).get("type"),
            }
        )
    for field in fields:
        field["expression"] = field["widget"] in EXPRESSION_WIDGETS
    return fields


def rule_operators(spec: NodeTypeSpec) -> list[str]:
    rules = (spec.config_schema.get("properties") or {}).get("rules") or {}
    operator = ((rules.get("items") or {}).get("properties") or {}).get("operator") or {}
    return list(operator.get("enum") or ["equals"])


def rules_from_post(post: QueryDict) -> list[dict[str, str]]:
    rules = []
    for index in range(int(post.get("rule_count") or 0)):
        prefix = f"rule-{index}-"
        if f"{prefix}id" not in post:
            continue
        rule = {key: post.get(prefix + key, "").strip() for key in ("id", "label", "field", "operator")}
        rule["value"] = post.get(prefix + "value", "")
        rules.append({k: v for k, v in rule.items() if v != "" or k in ("id", "field", "operator")})
    return rules


def _parse_value(widget: str, raw: str, item_type: str | None = None) -> Any:
    if widget in ("number", "integer"):
        if raw.strip() == "":
            return None
        number = float(raw)
        return int(number) if widget == "integer" else number
    if widget == "json":
        return None if raw.strip() == "" else json.loads(raw)
    if widget == "lines":
        items = [line.strip() for line in raw.splitlines() if line.strip()]
        return [float(i) if item_type in ("number", "integer") else i for i in items]
    if widget == "credential":
        return int(raw) if raw else None
    return raw


def parse(*, spec: NodeTypeSpec, config: dict, post: QueryDict) -> tuple[dict[str, Any], dict[str, str]]:
    """POST -> (node_update kwargs, {field name: error}); unknown extra_config keys are kept."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    extra = dict(config.get("extra_config") or {})
    for field in form_fields(spec=spec, config=config):
        if field["widget"] == "boolean":
            value: Any = field["name"] in post
        else:
            try:
                value = _parse_value(field["widget"], post.get(field["name"], ""), field.get("item_type"))
            except ValueError:
                errors[field["name"]] = (
                    "Enter valid JSON." if field["widget"] == "json" else "Enter a number."
                )
                continue
        if field["name"].startswith("col__"):
            values[field["key"]] = value
        elif value is None:
            extra.pop(field["key"], None)
        else:
            extra[field["key"]] = value
    if spec.routes:
        extra["rules"] = rules_from_post(post)
        for index, rule in enumerate(extra["rules"]):
            if not rule["id"]:
                errors[f"rule-{index}-id"] = "Route id is required."
    values["extra_config"] = extra
    changes = {
        "label": post.get("label", "").strip(),
        "interrupt_before": "interrupt_before" in post,
        "interrupt_after": "interrupt_after" in post,
        "config": values,
    }
    return changes, errors


def service_errors(detail: Any) -> dict[str, str]:
    """A DRF ValidationError detail from `config_values` -> {form field name: message}."""
    errors: dict[str, str] = {}
    config = detail.get("config", detail) if isinstance(detail, dict) else {"": detail}
    if not isinstance(config, dict):
        return {"": _text(config)}
    for key, messages in config.items():
        if key == "extra_config" and isinstance(messages, list):
            for message in messages:
                text = str(message)
                path = text.split(":", 1)[0].split(".")
                name = f"extra__{path[1]}" if len(path) > 1 else "extra__"
                if len(path) > 3 and path[1] == "rules":
                    name = f"rule-{path[2]}-{path[3]}"
                errors[name] = text.split(": ", 1)[-1]
        else:
            errors[f"col__{key}"] = _text(messages)
    return errors


def _text(messages: Any) -> str:
    if isinstance(messages, list | tuple):
        return " ".join(str(m) for m in messages)
    return str(messages)


def spec_for(component_type: str) -> NodeTypeSpec | None:
    return registry.find(component_type)
