"""Extractor: the model returns JSON matching a schema; one repair attempt, else `invalid_output`."""

from __future__ import annotations

import json
from typing import Any

from apps.agents.components._common import (
    AI_COLOR,
    attached_model,
    message_text,
    token_usage,
    trimmed,
    user_text,
)
from apps.agents.resolution import extract_json
from apps.execution.results import NodeError
from apps.workflows.registry import Category, ConfigKind, DataType, Port, SubInput, node_type

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "schema": {
            "type": "object",
            "description": "JSON schema the extracted object must match (else the output parser's schema)",
        },
    },
}


@node_type(
    "extractor",
    display_name="Extractor",
    category=Category.AI,
    description="Extract structured data (JSON validated against a schema) from the input.",
    inputs=[Port("messages", DataType.ANY, required=True)],
    outputs=[Port("extracted", DataType.OBJECT, description="The extracted, schema-valid object")],
    sub_inputs=[SubInput.MODEL, SubInput.MEMORY, SubInput.OUTPUT_PARSER],
    required_sub_inputs=[SubInput.MODEL],
    config_kind=ConfigKind.AI,
    config_schema=CONFIG_SCHEMA,
    icon="file-json",
    color=AI_COLOR,
)
def run(ctx) -> dict[str, Any]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    schema = _schema(ctx)
    model = attached_model(ctx)
    messages = [
        SystemMessage(_instructions(ctx.config.get("system_prompt") or "", schema)),
        HumanMessage(user_text(ctx)),
    ]
    replies = []
    problem = ""
    for attempt in range(2):  # the answer, then one repair attempt
        if attempt:
            messages += [
                AIMessage(message_text(replies[-1])),
                HumanMessage(f"That reply was invalid: {problem}. Reply again with only the corrected JSON."),
            ]
        replies.append(model.invoke(trimmed(messages, model)))
        extracted, problem = check(message_text(replies[-1]), schema)
        if not problem:
            return {"extracted": extracted, "_token_usage": token_usage(replies, model)}
    raise NodeError(
        f"the model's output is not valid after a repair attempt: {problem}",
        "invalid_output",
        retryable=False,
    )


def _schema(ctx) -> dict[str, Any]:
    schema = ctx.config.get("schema") or ctx.config.get("output_schema")
    if not schema:
        for node in ctx.attached("output_parser"):
            schema = node.config.get("schema") or node.config.get("output_schema")
    if not isinstance(schema, dict) or not schema:
        raise NodeError("extractor has no JSON schema configured", "invalid_config", retryable=False)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise NodeError(f"invalid JSON schema: {exc.message}", "invalid_config", retryable=False) from exc
    return schema


def _instructions(system_prompt: str, schema: dict[str, Any]) -> str:
    task = (
        "Extract the requested data from the user's message. Reply with only a JSON value that "
        f"matches this JSON schema:\n{json.dumps(schema, indent=2)}"
    )
    return f"{system_prompt.strip()}\n\n{task}" if system_prompt.strip() else task


def check(text: str, schema: dict[str, Any]) -> tuple[Any, str]:
    """(value, "") when `text` holds schema-valid JSON, else (None, what is wrong)."""
    from jsonschema import Draft202012Validator

    try:
        value = extract_json(text)
    except ValueError as exc:
        return None, str(exc)
    errors = sorted(Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.path) or "(root)"
        return None, f"{where}: {first.message}"
    return value, ""
