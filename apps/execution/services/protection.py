"""Runaway protection for triggers: a per-workflow concurrency limit and a circuit breaker.

Every way into a run checks `protection_check` first (trigger_check for REST, chat, webhooks and
inbound messages; schedule_fire for schedules). After each finished execution `circuit_on_finish`
(a finish hook) counts consecutive failures; at the workflow's threshold the circuit opens and every
trigger is refused with 409 until a person resets it (REST `POST .../circuit/reset/` or the admin).
Over the concurrency limit a trigger is refused with 429 and `Retry-After`, not queued: the caller
learns at once that the workflow is saturated and can back off, and nothing piles up unseen.
"""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from rest_framework import exceptions

from apps.workflows.models import Workflow
from pipelit import events, sql
from pipelit.api import Conflict

from ..models import ExecutionStatus, WorkflowExecution

logger = logging.getLogger(__name__)

RUNNING_STATUSES = (ExecutionStatus.PENDING, ExecutionStatus.RUNNING)
CONCURRENCY_RETRY_AFTER_SECONDS = 2


class CircuitOpen(Conflict):
    default_detail = "The workflow's circuit breaker is open."


class ConcurrencyLimited(exceptions.Throttled):
    def __init__(self, detail: str, wait: int = CONCURRENCY_RETRY_AFTER_SECONDS):
        super().__init__(wait=wait, detail=detail)
        self.detail = exceptions.ErrorDetail(detail)


def failure_threshold(workflow: Workflow) -> int:
    value = workflow.circuit_failure_threshold
    return settings.PIPELIT_CIRCUIT_FAILURE_THRESHOLD if value is None else value


def concurrency_limit(workflow: Workflow) -> int:
    value = workflow.max_concurrent_executions
    return settings.PIPELIT_MAX_CONCURRENT_EXECUTIONS if value is None else value


def circuit_state(workflow: Workflow) -> dict:
    from apps.workflows.serializers import serialize_circuit

    return serialize_circuit(workflow)


def protection_check(*, workflow: Workflow) -> None:
    """Raise CircuitOpen (409) or ConcurrencyLimited (429) when this workflow may not start a run."""
    if workflow.circuit_opened_at is not None:
        raise CircuitOpen(
            f"Workflow '{workflow.slug}' is paused: its circuit breaker opened after "
            f"{workflow.consecutive_failures} consecutive failed executions "
            f"(at {workflow.circuit_opened_at.isoformat()}). A person must reset it "
            f"(POST /api/v1/workflows/{workflow.slug}/circuit/reset/ or the admin)."
        )
    limit = concurrency_limit(workflow)
    if limit:
        running = WorkflowExecution.objects.filter(workflow=workflow, status__in=RUNNING_STATUSES).count()
        if running >= limit:
            raise ConcurrencyLimited(
                f"Workflow '{workflow.slug}' already runs {running} executions (limit {limit}); "
                f"retry in {CONCURRENCY_RETRY_AFTER_SECONDS} s."
            )


def protection_refusal(*, workflow: Workflow) -> str:
    """The refusal message, or "" (for callers that record rather than raise, like schedules)."""
    try:
        protection_check(workflow=workflow)
    except (CircuitOpen, ConcurrencyLimited) as exc:
        return str(exc.detail)
    return ""


def circuit_on_finish(execution: WorkflowExecution) -> None:
    """Finish hook: a success clears the failure count, a failure adds one and may open the circuit."""
    if execution.status == ExecutionStatus.COMPLETED:
        sql.execute(_clear_failures_sql(), [execution.workflow_id])
        return
    rows = Workflow.objects.filter(pk=execution.workflow_id)
    if execution.status != ExecutionStatus.FAILED:
        return
    rows.update(consecutive_failures=F("consecutive_failures") + 1)
    workflow = rows.first()
    if workflow is None or workflow.circuit_opened_at is not None:
        return
    threshold = failure_threshold(workflow)
    if not threshold or workflow.consecutive_failures < threshold:
        return
    if rows.filter(circuit_opened_at__isnull=True).update(circuit_opened_at=timezone.now()):
        _circuit_opened(rows.first(), execution)


@cache
def _clear_failures_sql() -> str:
    """Runs after every successful run, so it is written out once (pipelit/sql.py)."""
    failures = sql.column(Workflow, "consecutive_failures")
    return (
        f"UPDATE {sql.column(Workflow)} SET {failures} = 0 "
        f"WHERE {sql.column(Workflow, 'id')} = %s AND {failures} > 0"
    )


def _circuit_opened(workflow: Workflow, execution: WorkflowExecution) -> None:
    from apps.audit.services import audit_record
    from apps.workflows.serializers import serialize_workflow

    logger.warning(
        "circuit opened for workflow %s after %d failures", workflow.slug, workflow.consecutive_failures
    )
    audit_record(
        action="workflow.circuit_open",
        target_type="workflow",
        target_id=workflow.pk,
        target_repr=workflow.slug,
        workflow_slug=workflow.slug,
        after=circuit_state(workflow),
        detail=f"{workflow.consecutive_failures} consecutive failed executions; last {execution.execution_id}",
    )
    events.broadcast(f"workflow:{workflow.slug}", "workflow_updated", serialize_workflow(workflow))


def throttled_response(exc: exceptions.Throttled):
    """The 429 JsonResponse for plain Django views (webhooks, inbound) refused by the limit."""
    from django.http import JsonResponse

    response = JsonResponse({"detail": str(exc.detail)}, status=429)
    response["Retry-After"] = str(int(exc.wait or CONCURRENCY_RETRY_AFTER_SECONDS))
    return response
