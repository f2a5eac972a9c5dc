"""The circuit-breaker banner of the canvas editor and its Reset button (people with write access)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from apps.workflows import services
from apps.workflows.serializers import serialize_circuit
from apps.workflows.views.common import workflow_for

TEMPLATE = "workflows/editor/_circuit.html"


def circuit_context(*, slug: str, circuit: dict) -> dict:
    """Template context from `serialize_circuit` output (the page and the socket's `workflow_updated`)."""
    opened_at = circuit.get("opened_at")
    return {
        "slug": slug,
        "circuit_open": bool(circuit.get("open")),
        "opened_at": datetime.fromisoformat(opened_at) if opened_at else None,
        "failures": circuit.get("consecutive_failures") or 0,
        "threshold": circuit.get("failure_threshold"),
    }


@login_required
@require_POST
def circuit_reset(request: HttpRequest, slug: str) -> HttpResponse:
    """htmx POST from the banner: close the circuit, answer the (now empty) banner."""
    workflow = workflow_for(request, slug, write=True)
    if request.user.is_agent:  # agents cannot reach pages, but the rule is the API's: a person resets
        from apps.audit.guards import refuse_agent

        refuse_agent(
            action="workflow.circuit_reset",
            target=workflow,
            detail="Only a person can reset a circuit breaker.",
        )
    workflow = services.workflow_circuit_reset(workflow=workflow)
    return render(request, TEMPLATE, circuit_context(slug=workflow.slug, circuit=serialize_circuit(workflow)))
