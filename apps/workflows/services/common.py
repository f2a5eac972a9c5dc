"""Helpers shared by the graph services: the event channel and the structure timestamp."""

from __future__ import annotations

from django.utils import timezone

from apps.workflows.models import Workflow


def channel_for(workflow: Workflow) -> str:
    return f"workflow:{workflow.slug}"


def workflow_touch(*, workflow: Workflow) -> None:
    """Bump `updated_at` so caches keyed by the workflow's structure see the change."""
    now = timezone.now()
    Workflow.objects.filter(pk=workflow.pk).update(updated_at=now)
    workflow.updated_at = now
