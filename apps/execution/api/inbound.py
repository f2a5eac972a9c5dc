"""`POST /api/v1/inbound/`: the message gateway hands Pipelit a chat or Telegram message.

Authenticated by a gateway credential's key (`Authorization: Bearer <key>`), not a user's API key. The
body names the route and the message:
    {"route": {"workflow_slug": "...", "trigger_node_id": "..."}, "text": "...", "chat_id": ...,
     "user_id": ..., "files": [...], "payload": {...}}
The route must point at a trigger_chat or trigger_telegram node; the sender must be on the credential's
allow list when it has one. Answers 202 with the execution id; 429 beyond `PIPELIT_RATE_LIMIT_INBOUND`
per credential.
"""

from __future__ import annotations

import hmac
import json

from django.apps import apps
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.workflows.models import Workflow
from pipelit.api import Conflict
from pipelit.ratelimit import inbound_rate_refusal

from ..services.executions import execution_create
from ..services.protection import ConcurrencyLimited, throttled_response
from ..services.triggers import trigger_check, trigger_node_find
from ..telegram.updates import allowed_ids

INBOUND_TRIGGERS = ("trigger_chat", "trigger_telegram")


def gateway_credential_for(authorization: str):
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    model = apps.get_model("agents", "GatewayCredential")
    for credential in model.objects.all():
        if credential.api_key and hmac.compare_digest(credential.api_key.encode(), key.strip().encode()):
            return credential
    return None


def _error(message, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def _route(body: dict):
    route = body.get("route") if isinstance(body.get("route"), dict) else {}
    slug, node_id = route.get("workflow_slug"), route.get("trigger_node_id")
    if not slug or not node_id:
        return None, None, _error("route.workflow_slug and route.trigger_node_id are required.", 422)
    workflow = Workflow.objects.alive().filter(slug=slug).first()
    if workflow is None:
        return None, None, _error("Workflow not found.", 404)
    for component_type in INBOUND_TRIGGERS:
        try:
            node = trigger_node_find(
                workflow=workflow, component_type=component_type, trigger_node_id=node_id
            )
        except Http404:
            continue
        return workflow, node, None
    return None, None, _error("The route's node is not a chat or Telegram trigger.", 422)


@csrf_exempt
def inbound(request):
    if request.method != "POST":
        return _error("Method not allowed.", 405)
    credential = gateway_credential_for(request.META.get("HTTP_AUTHORIZATION", ""))
    if credential is None:
        return _error("Invalid or missing gateway key", 401)
    refusal = inbound_rate_refusal(credential)  # before any parsing or lookup: a flood stays cheap
    if refusal is not None:
        return refusal
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        return _error(f"Malformed JSON body: {exc}", 400)
    if not isinstance(body, dict):
        return _error("The body must be a JSON object.", 400)
    allowed = allowed_ids(credential.allowed_user_ids)
    if allowed and str(body.get("user_id")) not in allowed:
        return _error("Sender is not allowed.", 403)
    workflow, node, refusal = _route(body)
    if refusal is not None:
        return refusal
    try:
        trigger_check(workflow=workflow, node=node)
    except Conflict as exc:
        return _error(str(exc.detail), 409)
    except ConcurrencyLimited as exc:
        return throttled_response(exc)
    payload = {
        "text": str(body.get("text") or ""),
        "chat_id": body.get("chat_id"),
        "user_id": body.get("user_id"),
        "files": body.get("files") if isinstance(body.get("files"), list) else [],
        "payload": body.get("payload") if isinstance(body.get("payload"), dict) else body,
        "gateway_credential_id": credential.pk,
    }
    execution = execution_create(
        workflow=workflow,
        trigger_node=node,
        payload=payload,
        user=workflow.owner,
        thread_id=f"gateway:{body.get('chat_id')}:{workflow.pk}",
    )
    return JsonResponse({"execution_id": str(execution.execution_id), "status": execution.status}, status=202)
