"""Workflow writes: create, update (slug changes included), soft delete, batch delete."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.exceptions import ValidationError

from apps.workflows import selectors
from apps.workflows.exceptions import AlreadyExists
from apps.workflows.models import Workflow
from apps.workflows.serializers import RESERVED_SLUGS, serialize_workflow
from apps.workflows.services.common import channel_for
from pipelit import events

EDITABLE_FIELDS = (
    "name",
    "slug",
    "description",
    "is_active",
    "is_public",
    "is_default",
    "tags",
    "input_schema",
    "output_schema",
    "max_execution_seconds",
    "allow_self_modification",
    "max_concurrent_executions",
    "circuit_failure_threshold",
)


def slug_taken(slug: str, *, exclude_pk: int | None = None) -> bool:
    qs = Workflow.objects.alive().filter(slug=slug)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def slug_available(base: str) -> str:
    """`base` if free, else `base-<hex>`: for generated slugs (no name given, imports)."""
    base = (slugify(base) or "workflow")[:240]
    slug = base
    while slug in RESERVED_SLUGS or slug_taken(slug):
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def _check_slug(slug: str, *, exclude_pk: int | None = None) -> None:
    if slug_taken(slug, exclude_pk=exclude_pk):
        raise AlreadyExists(f"Workflow with slug '{slug}' already exists.")


def _error_handler(*, owner, workflow_id: int | None, self_pk: int | None = None) -> Workflow | None:
    if workflow_id is None:
        return None
    handler = Workflow.objects.alive().filter(pk=workflow_id).first()
    if handler is None or handler.pk == self_pk or not selectors.user_can_write(user=owner, workflow=handler):
        raise ValidationError({"error_handler_workflow_id": "Workflow not found."})
    return handler


def _save(workflow: Workflow, *, create: bool) -> None:
    try:
        with transaction.atomic():
            workflow.save(force_insert=create)
    except IntegrityError as exc:
        raise AlreadyExists(f"Workflow with slug '{workflow.slug}' already exists.") from exc


@transaction.atomic
def workflow_create(
    *, owner, name: str, slug: str | None = None, error_handler_workflow_id: int | None = None, **fields: Any
) -> Workflow:
    if slug:
        _check_slug(slug)
    else:
        slug = slug_available(name)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unexpected workflow fields: {sorted(unknown)}")
    workflow = Workflow(owner=owner, name=name, slug=slug, **fields)
    workflow.error_handler_workflow = _error_handler(owner=owner, workflow_id=error_handler_workflow_id)
    _save(workflow, create=True)
    # No event: nobody can be subscribed to the channel of a workflow that did not exist.
    return workflow


@transaction.atomic
def workflow_update(*, workflow: Workflow, user, **changes: Any) -> Workflow:
    """Apply a partial update; a new slug takes effect at once (old URLs 404, new ones work)."""
    old_channel = channel_for(workflow)
    if "error_handler_workflow_id" in changes:
        workflow.error_handler_workflow = _error_handler(
            owner=user, workflow_id=changes.pop("error_handler_workflow_id"), self_pk=workflow.pk
        )
    if changes.get("slug") and changes["slug"] != workflow.slug:
        _check_slug(changes["slug"], exclude_pk=workflow.pk)
    for key, value in changes.items():
        if key not in EDITABLE_FIELDS:
            raise TypeError(f"unexpected workflow field: {key}")
        setattr(workflow, key, value)
    _save(workflow, create=False)
    workflow.node_count, workflow.edge_count = workflow.nodes.count(), workflow.edges.count()
    channels = list(dict.fromkeys([old_channel, channel_for(workflow)]))
    events.broadcast_on_commit(channels, "workflow_updated", serialize_workflow(workflow))
    return workflow


@transaction.atomic
def workflow_circuit_reset(*, workflow: Workflow) -> Workflow:
    """A person closes the circuit breaker: triggers fire again, the failure count starts from zero.

    A plain save, so the audit log records it and the agent guard refuses it for agents."""
    workflow.circuit_opened_at = None
    workflow.consecutive_failures = 0
    workflow.save(update_fields=["circuit_opened_at", "consecutive_failures"])
    events.broadcast_on_commit(channel_for(workflow), "workflow_updated", serialize_workflow(workflow))
    return workflow


@transaction.atomic
def workflow_delete(*, workflow: Workflow) -> None:
    """Soft delete: the row stays (executions keep their history), the slug becomes free."""
    workflow.deleted_at = timezone.now()
    workflow.save(update_fields=["deleted_at", "updated_at"])
    events.broadcast_on_commit(
        channel_for(workflow), "workflow_deleted", {"id": workflow.pk, "slug": workflow.slug}
    )


@transaction.atomic
def workflows_batch_delete(*, user, slugs: list[str]) -> int:
    """All or nothing: any slug the user cannot write makes the whole request a 404."""
    slugs = list(dict.fromkeys(slugs))
    found = {wf.slug: wf for wf in Workflow.objects.alive().filter(slug__in=slugs)}
    writable = [wf for wf in found.values() if selectors.user_can_write(user=user, workflow=wf)]
    missing = sorted(set(slugs) - {wf.slug for wf in writable})
    if missing:
        raise Http404(f"Workflow not found: {', '.join(missing)}.")
    for workflow in writable:
        workflow_delete(workflow=workflow)
    return len(writable)
