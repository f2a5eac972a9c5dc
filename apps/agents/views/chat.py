"""The editor's chat panel history: the signed-in user's conversation with a workflow, and clearing it."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from rest_framework import exceptions as drf_exceptions

from apps.workflows.selectors import workflow_get_for_user
from pipelit.dates import parse_instant

from .. import conversations

HISTORY_LIMIT = 10


def _workflow(request: HttpRequest, slug: str):
    try:
        return workflow_get_for_user(user=request.user, slug=slug)
    except drf_exceptions.PermissionDenied as exc:
        raise PermissionDenied(str(exc.detail)) from exc


def _before(raw: str | None):
    """The `before` cut-off: None when absent, False when unparsable."""
    if not raw:
        return None
    return parse_instant(raw) or False


@login_required
@require_http_methods(["GET", "DELETE"])
def chat_history(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the newest messages (or those before `?before=`); DELETE: clear the thread, render it empty."""
    workflow = _workflow(request, slug)
    thread_id = conversations.thread_id_for(user_id=request.user.pk, workflow_id=workflow.pk)
    if request.method == "DELETE":
        conversations.history_clear(thread_id=thread_id)
        messages, has_more = [], False
    else:
        before = _before(request.GET.get("before"))
        if before is False:
            return HttpResponseBadRequest("before must be an ISO-8601 datetime")
        messages, has_more = conversations.history_page(
            thread_id=thread_id, limit=HISTORY_LIMIT, before=before
        )
    for message in messages:  # the template shows (and pages by) the message's time
        stamp = message.get("timestamp")
        message["created_at"] = datetime.fromisoformat(stamp) if stamp else None
    context = {
        "workflow": workflow,
        "messages": messages,
        "has_more": has_more,
        "older": bool(request.GET.get("before")),
    }
    return render(request, "agents/_chat_history.html", context)
