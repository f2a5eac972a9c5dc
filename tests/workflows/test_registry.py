"""Every registered node type is complete: ports, flags, a valid JSON-Schema config, a config class."""

import jsonschema
import pytest

from apps.workflows import registry
from apps.workflows.models import ComponentConfig, config_class_for
from apps.workflows.registry import DataType, SubInput


def specs():
    return registry.all_specs()


def test_registry_is_not_empty():
    assert {"agent", "switch", "trigger_chat"} <= {s.component_type for s in specs()}


def test_every_spec_is_complete():
    for spec in specs():
        where = spec.component_type
        assert spec.display_name, where
        assert isinstance(spec.category, registry.Category), where
        for port in (*spec.inputs, *spec.outputs):
            assert port.name and isinstance(port.data_type, DataType), where
        assert len({p.name for p in spec.inputs}) == len(spec.inputs), where
        assert set(spec.required_sub_inputs) <= set(spec.sub_inputs), where
        assert all(isinstance(s, SubInput) for s in spec.sub_inputs), where
        if spec.is_trigger:
            assert not spec.inputs and spec.outputs, f"{where}: a trigger only produces"
        if spec.routes:
            assert spec.outputs, where


def test_every_config_schema_is_valid_json_schema():
    for spec in specs():
        schema = spec.config_schema
        assert schema.get("type") == "object", spec.component_type
        jsonschema.validators.validator_for(schema).check_schema(schema)


def test_every_config_class_is_resolvable():
    for spec in specs():
        cls = config_class_for(spec.config_kind)
        assert issubclass(cls, ComponentConfig), spec.component_type
        assert cls.kind == spec.config_kind


def test_spec_json_round_trips_through_the_wire():
    for spec in specs():
        data = spec.to_json()
        assert data["component_type"] == spec.component_type
        assert "run" not in data


def test_an_invalid_schema_is_caught():
    with pytest.raises(jsonschema.SchemaError):
        jsonschema.Draft202012Validator.check_schema({"type": "object", "properties": {"x": {"type": 5}}})
