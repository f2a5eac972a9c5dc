"""`/executions/`: filtered, paginated list with live status pills and bulk delete.

Live status: the page opens one editor socket subscribed to `execution:<id>` for each execution on the
page that can still change (pending, running, interrupted), at most `LIVE_LIMIT` of them (the socket's
channel cap); finished rows never change, so they need no subscription. With a workflow filter it also
listens to `workflow:<slug>`, so a run started elsewhere shows a "new executions" notice. No polling.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from apps.workflows.selectors import workflow_list

from .. import selectors
from ..models import ACTIVE_STATUSES, ExecutionStatus
from ..services import executions as services

PAGE_SIZE = 50
LIVE_LIMIT = 19  # + one workflow channel = the editor socket's 20


def _filters(request) -> dict:
    status = request.GET.get("status", "")
    return {
        "workflow": request.GET.get("workflow", "").strip()[:255],
        "status": status if status in ExecutionStatus.values else "",
    }


def _table_context(request, **extra) -> dict:
    filters = _filters(request)
    executions = selectors.execution_list(
        user=request.user, workflow_slug=filters["workflow"] or None, status=filters["status"] or None
    )
    page = Paginator(executions, PAGE_SIZE).get_page(request.GET.get("page"))
    active = [str(e.execution_id) for e in page if e.status in ACTIVE_STATUSES]
    channels = [f"execution:{execution_id}" for execution_id in active[:LIVE_LIMIT]]
    if filters["workflow"]:
        channels.append(f"workflow:{filters['workflow']}")
    return {
        "page": page,
        "filters": filters,
        "live_url": f"/ws/editor/?{urlencode([('channel', c) for c in channels])}" if channels else "",
        "live_overflow": max(len(active) - LIVE_LIMIT, 0),
        **extra,
    }


@login_required
@require_GET
def executions_page(request):
    context = _table_context(request)
    if request.htmx and request.htmx.target == "execution-table":
        return render(request, "execution/_execution_table.html", context)
    context.update(
        workflows=workflow_list(user=request.user).values("slug", "name"),
        statuses=ExecutionStatus.choices,
    )
    return render(request, "execution/executions.html", context)


def _uuids(values: list[str]) -> list[uuid.UUID]:
    ids = []
    for value in values[:1000]:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids


@login_required
@require_POST
def executions_delete(request):
    """Delete the selected executions the user can see; answer with the refreshed table and a count."""
    requested = request.POST.getlist("execution_ids")
    visible = selectors.execution_list(user=request.user).filter(execution_id__in=_uuids(requested))
    count = visible.count()
    if count:
        services.execution_batch_delete(executions=visible.model.objects.filter(pk__in=visible.values("pk")))
    skipped = len(set(requested)) - count
    message = f"Deleted {count} execution{'s' if count != 1 else ''}."
    if skipped > 0:
        message += f" {skipped} could not be deleted (not found or not yours)."
    context = _table_context(request, result_message=message, result_ok=count > 0 or not requested)
    if not requested:
        context["result_message"] = "Select at least one execution to delete."
    template = "execution/_execution_table.html" if request.htmx else "execution/executions.html"
    if not request.htmx:
        context.update(
            workflows=workflow_list(user=request.user).values("slug", "name"),
            statuses=ExecutionStatus.choices,
        )
    return render(request, template, context)
