"""The Epics pages: the epic list (status filter, progress, spend, batch delete) and one epic with its
tasks, both refreshed live from `epic:<id>` events on the editor socket."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services
from ..models import EpicStatus

PAGE_SIZE = 50
LIVE_CHANNELS = 20  # the editor socket's limit per connection


def _live_url(epic_ids: list[str]) -> str:
    channels = [("channel", f"epic:{epic_id}") for epic_id in epic_ids[:LIVE_CHANNELS]]
    return f"/ws/editor/?{urlencode(channels)}" if channels else ""


def _list_context(request, **extra) -> dict:
    status = request.GET.get("status") or ""
    if status not in EpicStatus.values:
        status = ""
    epics = selectors.epic_list(user=request.user, status=status or None)
    page = Paginator(epics, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "status": status,
        "statuses": EpicStatus.choices,
        "live_url": _live_url([epic.pk for epic in page]),
        **extra,
    }


@login_required
@require_GET
def epics_page(request):
    context = _list_context(request)
    if request.htmx and request.htmx.target == "epic-table":
        return render(request, "agents/_epic_table.html", context)
    return render(request, "agents/epics.html", context)


@login_required
@require_POST
def epics_delete(request):
    deleted = services.epic_batch_delete(user=request.user, epic_ids=request.POST.getlist("epic_ids"))
    result = f"Deleted {deleted} epic{'s' if deleted != 1 else ''}."
    if not request.htmx:
        messages.success(request, result)
        return redirect("epics")
    return render(request, "agents/_epic_table.html", _list_context(request, result_message=result))


def _detail_context(request, epic_id: str, **extra) -> dict:
    epic = selectors.epic_get(user=request.user, epic_id=epic_id)
    tasks = selectors.task_list(user=request.user, epic_id=epic.pk)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"epic": epic, "page": page, "live_url": _live_url([epic.pk]), **extra}


@login_required
@require_GET
def epic_detail(request, epic_id: str):
    context = _detail_context(request, epic_id)
    if request.htmx and request.htmx.target == "epic-body":
        return render(request, "agents/_epic_body.html", context)
    return render(request, "agents/epic_detail.html", context)


@login_required
@require_POST
def epic_tasks_delete(request, epic_id: str):
    epic = selectors.epic_get(user=request.user, epic_id=epic_id)
    ids = set(request.POST.getlist("task_ids"))
    own = selectors.task_list(user=request.user, epic_id=epic.pk).filter(pk__in=ids)
    deleted = services.task_batch_delete(user=request.user, task_ids=list(own.values_list("pk", flat=True)))
    result = f"Deleted {deleted} task{'s' if deleted != 1 else ''}."
    if not request.htmx:
        messages.success(request, result)
        return redirect("epic-detail", epic_id=epic.pk)
    return render(request, "agents/_epic_body.html", _detail_context(request, epic.pk, result_message=result))
