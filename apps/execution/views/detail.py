"""`/executions/<id>/`: summary, payload/output/error, a server-drawn Gantt timeline, per-node panels,
cancel and (when the engine offers it) resume. Live: the status pill is swapped by the editor socket
(`execution:<id>`), and the body re-renders itself once per burst of node events."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from pipelit.api import Conflict

from .. import charts, selectors
from ..models import ACTIVE_STATUSES, ExecutionStatus
from ..services import executions as services
from ..services import pauses


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, sort_keys=False, default=str, ensure_ascii=False)


def _question(execution) -> dict | None:
    """{"node_id", "prompt"} while the run is paused waiting for a person's answer (not for a timer)."""
    if execution.status != ExecutionStatus.INTERRUPTED:
        return None
    pause = pauses.current_pause(execution)
    if pauses.pause_reason(pause) in (None, pauses.WAIT):
        return None
    metadata = pause.metadata if isinstance(pause.metadata, dict) else {}
    output = pause.output if isinstance(pause.output, dict) else {}
    return {"node_id": pause.node_id, "prompt": output.get("prompt") or metadata.get("prompt") or ""}


def _panel(log, first_of_node: bool) -> dict:
    metadata = log.metadata if isinstance(log.metadata, dict) else {}
    usage = metadata.get("token_usage") if isinstance(metadata.get("token_usage"), dict) else {}
    return {
        "log": log,
        "anchor": f"node-{log.node_id}" if first_of_node else "",
        "input": _pretty(log.input) if log.input not in (None, {}, []) else "",
        "output": _pretty(log.output) if log.output not in (None, {}, []) else "",
        "metadata": _pretty(metadata) if metadata else "",
        "tokens": usage.get("total_tokens", metadata.get("total_tokens")),
        "cost": usage.get("cost_usd", metadata.get("cost_usd")),
    }


def _body_context(execution) -> dict:
    logs = selectors.execution_logs(execution=execution)
    seen: set[str] = set()
    panels = []
    for log in logs:
        panels.append(_panel(log, log.node_id not in seen))
        seen.add(log.node_id)
    spans = [
        charts.Span(
            node_id=log.node_id,
            status=log.status,
            started_at=log.started_at,
            duration_ms=log.duration_ms,
            finished_at=log.timestamp,
        )
        for log in logs
    ]
    return {
        "execution": execution,
        "panels": panels,
        "gantt": charts.gantt(spans, origin=execution.started_at) if spans else None,
        "trigger_payload": _pretty(execution.trigger_payload) if execution.trigger_payload else "",
        "final_output": _pretty(execution.final_output) if execution.final_output is not None else "",
        "can_cancel": execution.status in ACTIVE_STATUSES,
        "question": _question(execution),
        "is_active": execution.status in ACTIVE_STATUSES,
        "live_url": f"/ws/editor/?channel=execution:{execution.execution_id}",
    }


@login_required
@require_GET
def execution_detail(request, execution_id: str):
    execution = selectors.execution_get_for_user(user=request.user, execution_id=execution_id)
    context = _body_context(execution)
    if request.htmx and request.htmx.target == "execution-body":
        return render(request, "execution/_execution_body.html", context)
    return render(request, "execution/execution_detail.html", context)


def _back(request, execution):
    url = f"/executions/{execution.execution_id}/"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_POST
def execution_cancel(request, execution_id: str):
    execution = selectors.execution_get_for_user(user=request.user, execution_id=execution_id)
    was_active = execution.status in ACTIVE_STATUSES
    execution = services.execution_cancel(execution=execution)
    if was_active:
        messages.success(request, "Execution cancelled.")
    else:
        messages.info(request, f"The execution had already finished ({execution.status}).")
    return _back(request, execution)


@login_required
@require_POST
def execution_resume(request, execution_id: str):
    execution = selectors.execution_get_for_user(user=request.user, execution_id=execution_id)
    try:
        pauses.execution_resume_request(execution=execution, answer=request.POST.get("input", ""))
    except Conflict as exc:
        messages.info(request, str(exc.detail))
        return _back(request, execution)
    messages.success(request, "Answered: the execution resumes.")
    return _back(request, execution)
