"""Wire shapes: DRF serializers validate input; plain functions render output for REST and events alike."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from django.conf import settings
from rest_framework import serializers

from apps.workflows import registry
from apps.workflows.models import (
    ComponentConfig,
    EdgeLabel,
    EdgeType,
    Workflow,
    WorkflowEdge,
    WorkflowNode,
)

NODE_ID_PATTERN = r"^[A-Za-z0-9_\-.]+$"
# Paths under /workflows/ that a slug must not shadow.
RESERVED_SLUGS = {"node-types", "batch-delete", "import", "validate-dsl", "from-dsl"}


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- output -----------------------------------------------------------------------------------------


def _config_field_names(cls: type[ComponentConfig]) -> list[tuple[str, str]]:
    """(attribute, wire key) pairs of the concrete settings columns of one config class."""
    skip = {"id", "node", "polymorphic_ctype", "componentconfig_ptr"}
    pairs = []
    for field in cls._meta.concrete_fields:
        if field.name in skip:
            continue
        pairs.append((field.attname, field.attname))
    return pairs


_FIELD_CACHE: dict[type, list[tuple[str, str]]] = {}


def config_fields(cls: type[ComponentConfig]) -> list[tuple[str, str]]:
    if cls not in _FIELD_CACHE:
        _FIELD_CACHE[cls] = _config_field_names(cls)
    return _FIELD_CACHE[cls]


def serialize_config(config: ComponentConfig | None) -> dict[str, Any]:
    if config is None:
        return {"extra_config": {}}
    data = {key: getattr(config, attr) for attr, key in config_fields(type(config))}
    if "credential_id" in data and config.kind == registry.ConfigKind.MODEL:
        data["llm_credential_id"] = data["credential_id"]  # the reference's name for the model credential
    return data


def serialize_node(node: WorkflowNode, config: ComponentConfig | None = None) -> dict[str, Any]:
    if config is None:
        config = getattr(node, "_prefetched_config", None)
    return {
        "id": node.pk,
        "node_id": node.node_id,
        "component_type": node.component_type,
        "label": node.label,
        "is_entry_point": node.is_entry_point,
        "interrupt_before": node.interrupt_before,
        "interrupt_after": node.interrupt_after,
        "position_x": node.position_x,
        "position_y": node.position_y,
        "config": serialize_config(config),
        "subworkflow_id": node.subworkflow_id,
        "updated_at": iso(node.updated_at),
    }


def serialize_edge(edge: WorkflowEdge, node_ids: dict[int, str] | None = None) -> dict[str, Any]:
    """`node_ids` maps node pk -> node_id; without it the edge must carry `source_key`/`target_key`
    annotations or loaded `source`/`target` relations."""
    if node_ids is not None:
        source, target = node_ids[edge.source_id], node_ids[edge.target_id]
    elif hasattr(edge, "source_key"):
        source, target = edge.source_key, edge.target_key
    else:
        source, target = edge.source.node_id, edge.target.node_id
    return {
        "id": edge.pk,
        "source_node_id": source,
        "target_node_id": target,
        "edge_type": edge.edge_type,
        "edge_label": edge.edge_label,
        "condition_mapping": edge.condition_mapping,
        "condition_value": edge.condition_value,
        "priority": edge.priority,
    }


def serialize_circuit(workflow: Workflow) -> dict[str, Any]:
    """The circuit breaker's state; an open circuit refuses every trigger until a person resets it."""
    threshold = workflow.circuit_failure_threshold
    return {
        "open": workflow.circuit_opened_at is not None,
        "opened_at": iso(workflow.circuit_opened_at),
        "consecutive_failures": workflow.consecutive_failures,
        "failure_threshold": settings.PIPELIT_CIRCUIT_FAILURE_THRESHOLD if threshold is None else threshold,
    }


def serialize_workflow(workflow: Workflow, *, node_count: int | None = None, edge_count: int | None = None):
    return {
        "id": workflow.pk,
        "name": workflow.name,
        "slug": workflow.slug,
        "description": workflow.description,
        "is_active": workflow.is_active,
        "is_public": workflow.is_public,
        "is_default": workflow.is_default,
        "tags": workflow.tags or [],
        "error_handler_workflow_id": workflow.error_handler_workflow_id,
        "input_schema": workflow.input_schema,
        "output_schema": workflow.output_schema,
        "max_execution_seconds": workflow.max_execution_seconds,
        "allow_self_modification": workflow.allow_self_modification,
        "max_concurrent_executions": workflow.max_concurrent_executions,
        "circuit_failure_threshold": workflow.circuit_failure_threshold,
        "circuit": serialize_circuit(workflow),
        "owner_id": workflow.owner_id,
        "node_count": node_count if node_count is not None else getattr(workflow, "node_count", 0),
        "edge_count": edge_count if edge_count is not None else getattr(workflow, "edge_count", 0),
        "created_at": iso(workflow.created_at),
        "updated_at": iso(workflow.updated_at),
    }


def serialize_workflow_detail(workflow: Workflow, nodes: list[WorkflowNode], edges: list[WorkflowEdge]):
    node_ids = {node.pk: node.node_id for node in nodes}
    data = serialize_workflow(workflow, node_count=len(nodes), edge_count=len(edges))
    data["nodes"] = [serialize_node(node) for node in nodes]
    data["edges"] = [serialize_edge(edge, node_ids) for edge in edges]
    return data


def serialize_node_type(spec: registry.NodeTypeSpec) -> dict[str, Any]:
    data = spec.to_json()
    data["label"] = spec.display_name
    data["sub_inputs"] = [
        {
            "name": str(sub),
            "data_type": registry.SUB_INPUT_EDGE_LABEL[sub],
            "edge_label": registry.SUB_INPUT_EDGE_LABEL[sub],
            "required": sub in spec.required_sub_inputs,
        }
        for sub in spec.sub_inputs
    ]
    return data


# --- input ------------------------------------------------------------------------------------------

_local = threading.local()


def validate_with(serializer_cls: type[serializers.Serializer], data: Any, *, partial: bool = False) -> dict:
    """`serializer_cls(data=data).is_valid(raise_exception=True)` without rebuilding its fields per call.

    DRF deep-copies every declared field for each new serializer; an import validates hundreds of
    nodes, so one bound instance per class is kept per thread and only `run_validation` is called.
    """
    cache = _local.__dict__.setdefault("validators", {})
    instance = cache.get((serializer_cls, partial))
    if instance is None:
        instance = cache[(serializer_cls, partial)] = serializer_cls(partial=partial)
        _ = instance.fields
    return dict(instance.run_validation(data))


class JSONObjectField(serializers.JSONField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value is not None and not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return value


class WorkflowInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    slug = serializers.SlugField(max_length=255, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    is_public = serializers.BooleanField(required=False)
    is_default = serializers.BooleanField(required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, allow_null=True, max_length=50
    )
    error_handler_workflow_id = serializers.IntegerField(required=False, allow_null=True)
    input_schema = JSONObjectField(required=False, allow_null=True)
    output_schema = JSONObjectField(required=False, allow_null=True)
    max_execution_seconds = serializers.IntegerField(required=False, min_value=1, max_value=86400)
    allow_self_modification = serializers.BooleanField(required=False)
    max_concurrent_executions = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100000
    )
    circuit_failure_threshold = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100000
    )

    def validate_slug(self, value: str) -> str:
        if value in RESERVED_SLUGS:
            raise serializers.ValidationError(f"'{value}' is reserved.")
        return value

    def validate_tags(self, value):
        return value or []


class BatchDeleteSerializer(serializers.Serializer):
    slugs = serializers.ListField(child=serializers.CharField(max_length=255), max_length=1000)


class NodeInputSerializer(serializers.Serializer):
    node_id = serializers.RegexField(NODE_ID_PATTERN, max_length=255, required=False)
    component_type = serializers.CharField(max_length=64)
    label = serializers.CharField(max_length=255, required=False, allow_blank=True)
    is_entry_point = serializers.BooleanField(required=False)
    interrupt_before = serializers.BooleanField(required=False)
    interrupt_after = serializers.BooleanField(required=False)
    position_x = serializers.FloatField(required=False)
    position_y = serializers.FloatField(required=False)
    config = JSONObjectField(required=False)
    subworkflow_id = serializers.IntegerField(required=False, allow_null=True)

    def validate_component_type(self, value: str) -> str:
        if not registry.is_registered(value):
            raise serializers.ValidationError(f"Unknown component type '{value}'.")
        return value

    def validate_config(self, value):
        return value or {}


class ConfigInputSerializer(serializers.Serializer):
    """Every settings key any config kind understands; services keep the ones of the node's kind."""

    extra_config = JSONObjectField(required=False)
    system_prompt = serializers.CharField(required=False, allow_blank=True)
    credential_id = serializers.IntegerField(required=False, allow_null=True)
    llm_credential_id = serializers.IntegerField(required=False, allow_null=True)
    model_name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    temperature = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=2)
    max_tokens = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    top_p = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1)
    frequency_penalty = serializers.FloatField(required=False, allow_null=True, min_value=-2, max_value=2)
    presence_penalty = serializers.FloatField(required=False, allow_null=True, min_value=-2, max_value=2)
    timeout = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    max_retries = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    response_format = JSONObjectField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)
    priority = serializers.IntegerField(required=False)
    trigger_config = JSONObjectField(required=False)
    code = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    language = serializers.ChoiceField(choices=["python"], required=False)
    trigger_mode = serializers.ChoiceField(choices=["implicit", "explicit"], required=False)
    input_mapping = JSONObjectField(required=False)
    llm_model_config_id = serializers.IntegerField(
        required=False, allow_null=True
    )  # reference legacy, ignored

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: "Unknown config field." for key in unknown})
        return super().to_internal_value(data)


class EdgeInputSerializer(serializers.Serializer):
    source_node_id = serializers.CharField(max_length=255)
    target_node_id = serializers.CharField(max_length=255, allow_blank=True)
    edge_type = serializers.ChoiceField(choices=EdgeType.values, required=False)
    edge_label = serializers.ChoiceField(choices=EdgeLabel.values, required=False, allow_blank=True)
    condition_mapping = JSONObjectField(required=False, allow_null=True)
    condition_value = serializers.CharField(max_length=255, required=False, allow_blank=True)
    priority = serializers.IntegerField(required=False)


class ImportSerializer(serializers.Serializer):
    """Body of POST /workflows/import/: an export document, optionally with a new slug and name."""

    workflow = JSONObjectField()
    nodes = serializers.ListField(child=JSONObjectField(), max_length=5000)
    edges = serializers.ListField(child=JSONObjectField(), max_length=20000)
    slug = serializers.SlugField(max_length=255, required=False)
    name = serializers.CharField(max_length=255, required=False)
    format = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False)

    def validate_slug(self, value: str) -> str:
        if value in RESERVED_SLUGS:
            raise serializers.ValidationError(f"'{value}' is reserved.")
        return value
