"""The Memories page: facts, episodes, procedures and identified users, each a tab with search,
pagination and batch delete (memory is global: every signed-in user may browse it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services
from ..models import MemoryEpisode, MemoryFact, MemoryProcedure, MemoryUser

PAGE_SIZE = 50


@dataclass(frozen=True)
class MemoryTab:
    name: str
    label: str
    model: Any
    list: Any  # selector(search=...) -> QuerySet

    @property
    def delete_confirm(self) -> str:
        return f"Delete the selected {self.label.lower()}? Agents that rely on them will no longer find them."


TABS = {
    tab.name: tab
    for tab in (
        MemoryTab("facts", "Facts", MemoryFact, selectors.memory_fact_list),
        MemoryTab("episodes", "Episodes", MemoryEpisode, selectors.memory_episode_list),
        MemoryTab("procedures", "Procedures", MemoryProcedure, selectors.memory_procedure_list),
        MemoryTab("users", "Users", MemoryUser, selectors.memory_user_list),
    )
}


def _tab(name: str | None) -> MemoryTab:
    tab = TABS.get(name or "facts")
    if tab is None:
        raise Http404("Unknown memory tab.")
    return tab


@login_required
@require_GET
def memories_page(request):
    tab = _tab(request.GET.get("tab"))
    query = (request.GET.get("q") or "").strip()
    page = Paginator(tab.list(search=query or None), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"tab": tab, "tabs": TABS.values(), "query": query, "page": page}
    if request.htmx and request.htmx.target == "memory-table":
        return render(request, "agents/_memory_table.html", context)
    return render(request, "agents/memories.html", context)


@login_required
@require_POST
def memories_delete(request, tab: str):
    memory_tab = _tab(tab)
    ids = []
    for raw in request.POST.getlist("ids"):
        try:
            ids.append(uuid.UUID(raw))
        except ValueError:
            continue
    deleted = services.memory_batch_delete(model=memory_tab.model, ids=ids) if ids else 0
    result = f"Deleted {deleted} {memory_tab.label.lower()}."
    if not request.htmx:
        messages.success(request, result)
        return redirect(f"/memories/?tab={memory_tab.name}")
    query = (request.GET.get("q") or "").strip()
    page = Paginator(memory_tab.list(search=query or None), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"tab": memory_tab, "query": query, "page": page, "result_message": result}
    return render(request, "agents/_memory_table.html", context)
