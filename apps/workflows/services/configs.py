"""Node config input: the flat API dict -> column values of the node type's ComponentConfig subclass."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jsonschema
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import router
from rest_framework.exceptions import ValidationError

from apps.workflows import registry
from apps.workflows.models import ComponentConfig, WorkflowNode, config_class_for
from apps.workflows.serializers import ConfigInputSerializer, config_fields, validate_with

LEGACY_IGNORED = {"llm_model_config_id"}


def _defaults(cls: type[ComponentConfig]) -> dict[str, Any]:
    values = {}
    for field in cls._meta.concrete_fields:
        if field.has_default():
            values[field.attname] = field.get_default()
        elif field.null:
            values[field.attname] = None
    return values


@lru_cache(maxsize=1)
def _union_defaults() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for kind in registry.ConfigKind:
        merged.update(_defaults(config_class_for(kind)))
    return merged


def _credential_exists(pk: int) -> bool:
    return apps.get_model(settings.PIPELIT_CREDENTIAL_MODEL).objects.filter(pk=pk).exists()


@lru_cache(maxsize=512)
def _schema_validator(component_type: str, spec_id: int) -> jsonschema.protocols.Validator | None:
    spec = registry.find(component_type)
    if spec is None or not spec.config_schema:
        return None
    # A node just dropped on the canvas has an empty config: check types and shapes, not `required`.
    schema = {k: v for k, v in spec.config_schema.items() if k != "required"}
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def extra_config_errors(component_type: str, extra_config: dict) -> list[str]:
    spec = registry.find(component_type)
    validator = _schema_validator(component_type, id(spec))
    if validator is None:
        return []
    return [
        f"extra_config{''.join(f'.{p}' for p in err.absolute_path)}: {err.message}"
        for err in validator.iter_errors(extra_config)
        if not _is_template(err.instance)
    ]


def _is_template(value: Any) -> bool:
    """An expression (`{{ trigger.method }}`) is checked once resolved, when the node runs."""
    return isinstance(value, str) and "{{" in value


def config_values(*, component_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Validate a (partial) config dict for a node of `component_type`; return column -> value.

    Fields that belong to another kind are accepted only with their default value (clients written
    for the reference send every key to every node) and then dropped.
    """
    spec = registry.get(component_type)
    cls = config_class_for(spec.config_kind)
    values = validate_with(ConfigInputSerializer, data)
    if "llm_credential_id" in values:
        values.setdefault("credential_id", values.pop("llm_credential_id"))
        values.pop("llm_credential_id", None)
    for key in LEGACY_IGNORED:
        values.pop(key, None)
    own = {attr for attr, _ in config_fields(cls)}
    extra = values.get("extra_config")
    if isinstance(extra, dict):
        # The reference keeps e.g. a code node's `code` inside extra_config; lift it into its column.
        lifted = {k: extra[k] for k in own if k in extra and k != "extra_config" and k not in values}
        if lifted:
            values["extra_config"] = {k: v for k, v in extra.items() if k not in lifted}
            values.update(validate_with(ConfigInputSerializer, lifted))
    defaults = _union_defaults()
    errors = {}
    for key in list(values):
        if key in own:
            continue
        if values[key] in (None, "", {}, []) or values[key] == defaults.get(key):
            values.pop(key)
        else:
            errors[key] = f"Does not apply to a '{component_type}' node."
    if values.get("credential_id") is not None and not _credential_exists(values["credential_id"]):
        errors["credential_id"] = "Credential not found."
    if "extra_config" in values:
        schema_errors = extra_config_errors(component_type, values["extra_config"])
        if schema_errors:
            errors["extra_config"] = schema_errors
    if errors:
        raise ValidationError({"config": errors})
    return values


def config_create(*, node: WorkflowNode, values: dict[str, Any]) -> ComponentConfig:
    cls = config_class_for(registry.get(node.component_type).config_kind)
    return cls.objects.create(node=node, **values)


def configs_bulk_create(*, nodes: list[WorkflowNode], values: list[dict[str, Any]]) -> None:
    """One INSERT for the base rows and one per config subclass, instead of two per node.

    Django refuses `bulk_create` for multi-table children, so this does what `Model.save()` does for
    each parent/child table (`_insert` with the table's local fields), batched.
    """
    bases, children = [], []
    for node, node_values in zip(nodes, values, strict=True):
        cls = config_class_for(registry.get(node.component_type).config_kind)
        ctype = ContentType.objects.get_for_model(cls, for_concrete_model=False)
        own = {k: v for k, v in node_values.items() if k != "extra_config"}
        extra = node_values.get("extra_config", {})
        bases.append(ComponentConfig(node=node, extra_config=extra, polymorphic_ctype=ctype))
        children.append((cls, own))
    ComponentConfig.objects.non_polymorphic().bulk_create(bases)
    by_class: dict[type[ComponentConfig], list[ComponentConfig]] = {}
    for base, (cls, own) in zip(bases, children, strict=True):
        if cls is ComponentConfig:
            continue
        child = cls(componentconfig_ptr_id=base.pk, node=base.node, extra_config=base.extra_config, **own)
        child.pk = base.pk
        by_class.setdefault(cls, []).append(child)
    for cls, objs in by_class.items():
        cls._base_manager._insert(
            objs, fields=cls._meta.local_concrete_fields, using=router.db_for_write(cls)
        )


def config_replace(
    *, node: WorkflowNode, old: ComponentConfig | None, values: dict[str, Any]
) -> ComponentConfig:
    """A node changed to a type with another config kind: keep extra_config, start the rest fresh."""
    carried = {"extra_config": old.extra_config} if old is not None else {}
    if old is not None:
        ComponentConfig.objects.filter(pk=old.pk).delete()
    return config_create(node=node, values={**carried, **values})
