"""Shared parsing for the epic and task endpoints: query filters and links to workflows/executions."""

from decimal import Decimal

from django.db.models import Q
from rest_framework import serializers

from apps.workflows.models import Workflow
from apps.workflows.selectors import workflow_visible_q
from pipelit.api import UnprocessableEntity

Text = serializers.CharField


def tags_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=Text(max_length=100), max_length=50, **kwargs)


def priority_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=5, **kwargs)


def count_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, **kwargs)


class OptionalUsd(serializers.FloatField):
    """A float on the wire, a 6-place Decimal inside (clients send 5.0, not "5.000000")."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value < 0:
            raise serializers.ValidationError("Must be zero or more.")
        return Decimal(str(round(value, 6)))


def query_filters(request, *, statuses) -> dict:
    status = request.query_params.get("status") or None
    if status and status not in statuses:
        raise UnprocessableEntity(f"Unknown status '{status}'; expected one of: {', '.join(statuses)}.")
    raw_tags = request.query_params.get("tags") or ""
    tags = [tag.strip() for tag in raw_tags.split(",") if tag.strip()]
    return {"status": status, "tags": tags or None}


def workflow_by_id(*, user, workflow_id: int | None) -> Workflow | None:
    if workflow_id is None:
        return None
    workflows = Workflow.objects.alive().filter(pk=workflow_id)
    if not user.is_admin:
        workflows = workflows.filter(workflow_visible_q(user)).distinct()
    workflow = workflows.first()
    if workflow is None:
        raise UnprocessableEntity(f"Workflow {workflow_id} not found.")
    return workflow


def workflow_by_slug(*, user, slug: str | None) -> Workflow | None:
    """The live workflow `slug` the user may run, or None (a planned task may name a future workflow)."""
    if not slug:
        return None
    workflows = Workflow.objects.alive().filter(slug=slug)
    if not user.is_admin:
        workflows = workflows.filter(workflow_visible_q(user) | Q(is_public=True))
    return workflows.distinct().first()


def execution_by_id(*, user, execution_id: str | None):
    from apps.execution.models import WorkflowExecution

    if execution_id is None:
        return None
    executions = WorkflowExecution.objects.filter(execution_id=execution_id)
    if not user.is_admin:
        executions = executions.filter(
            workflow__in=Workflow.objects.filter(workflow_visible_q(user)).values("pk")
        )
    execution = executions.first()
    if execution is None:
        raise UnprocessableEntity(f"Execution {execution_id} not found.")
    return execution
