"""Run a manual trigger and send chat messages from the editor, through the engine's trigger service.

apps.workflows does not depend on the engine at import time: the service is looked up when needed, and
the editor shows its Run/Send controls disabled while it is not installed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST
from rest_framework import exceptions as drf_exceptions

from apps.workflows import registry, selectors
from apps.workflows.views.common import drf_error, error, workflow_for

TRIGGER_SERVICE = "apps.execution.services.triggers"


def _trigger_fire() -> Callable | None:
    try:
        module = importlib.import_module(TRIGGER_SERVICE)
    except ImportError:
        return None
    return getattr(module, "trigger_fire", None)


def run_available() -> bool:
    return _trigger_fire() is not None


def chat_trigger_of(nodes: list[dict]) -> str:
    """node_id of the workflow's first chat trigger, or ""."""
    return next((n["node_id"] for n in nodes if n["component_type"] == "trigger_chat"), "")


def _fire(*, workflow, node, payload: dict, user, thread_id: str = ""):
    return _trigger_fire()(
        workflow=workflow,
        component_type=node.component_type,
        payload=payload,
        user=user,
        trigger_node_id=node.node_id,
        thread_id=thread_id,
    )


def _execution_json(execution) -> dict:
    execution_id = getattr(execution, "execution_id", None)
    return {"execution_id": str(execution_id) if execution_id else None}


@login_required
@require_POST
def run_trigger(request: HttpRequest, slug: str, node_id: str) -> HttpResponse:
    workflow = workflow_for(request, slug, write=True)
    node = selectors.node_get(workflow=workflow, node_id=node_id)
    spec = registry.find(node.component_type)
    if spec is None or not spec.is_trigger:
        return error(f"'{node_id}' is not a trigger.", 422)
    if not run_available():
        return error("The execution engine is not installed.", 503)
    try:
        execution = _fire(
            workflow=workflow, node=node, payload={"text": "", "payload": {}}, user=request.user
        )
    except drf_exceptions.APIException as exc:
        return drf_error(exc)
    return JsonResponse(_execution_json(execution), status=202)


@login_required
@require_POST
def chat_send(request: HttpRequest, slug: str) -> HttpResponse:
    workflow = workflow_for(request, slug, write=True)
    text = (request.POST.get("text") or "").strip()
    if not text:
        return error("Message text is required.", 422)
    node_id = chat_trigger_of(selectors.node_payloads(workflow=workflow))
    if not node_id:
        return error("This workflow has no chat trigger.", 422)
    if not run_available():
        return error("The execution engine is not installed.", 503)
    node = selectors.node_get(workflow=workflow, node_id=node_id)
    try:
        execution = _fire(
            workflow=workflow,
            node=node,
            payload={"text": text, "files": [], "payload": {"text": text, "user_id": request.user.pk}},
            user=request.user,
            thread_id=f"{request.user.pk}:{workflow.pk}",
        )
    except drf_exceptions.APIException as exc:
        return drf_error(exc)
    return JsonResponse({**_execution_json(execution), "text": text}, status=202)
