"""Every execution node type is complete: spec, valid config schema, run function, fixture coverage."""

import re
from pathlib import Path

import jsonschema
import pytest

from apps.workflows import registry

EXECUTION_TYPES = [
    "trigger_manual",
    "trigger_webhook",
    "trigger_chat",
    "trigger_error",
    "switch",
    "code",
    "merge",
    "filter",
    "aggregator",
    "http_request",
    "wait",
    "human_confirmation",
]
TESTS = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("component_type", EXECUTION_TYPES)
def test_execution_node_type_is_registered_with_a_complete_spec(component_type):
    spec = registry.get(component_type)
    assert spec.run is not None and spec.executable and spec.display_name and spec.outputs
    jsonschema.Draft202012Validator.check_schema(spec.config_schema)
    assert spec.config_schema["type"] == "object"
    assert spec.is_trigger == component_type.startswith("trigger_")
    assert spec.to_json()["component_type"] == component_type


@pytest.mark.parametrize("component_type", EXECUTION_TYPES)
def test_execution_node_type_is_used_by_a_fixture_or_test(component_type):
    sources = [p.read_text() for p in TESTS.rglob("*.yaml")] + [
        p.read_text() for p in (TESTS / "components").glob("test_*.py")
    ]
    pattern = re.compile(
        rf"type:\s*{component_type}\b|\"type\":\s*\"{component_type}\"|\(\"{component_type}\"\)"
    )
    assert any(pattern.search(text) for text in sources)


def test_capability_flags_drive_the_engine():
    assert (
        registry.get("switch").routes and registry.get("merge").fan_in and registry.get("aggregator").fan_in
    )
    assert registry.get("code").config_kind == registry.ConfigKind.CODE
    assert all(
        registry.get(t).config_kind == registry.ConfigKind.TRIGGER
        for t in EXECUTION_TYPES
        if t.startswith("trigger_")
    )
