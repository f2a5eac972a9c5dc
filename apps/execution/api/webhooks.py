"""`POST /api/v1/webhooks/<slug>`: fire a workflow's webhook trigger; optionally wait for the result.

Authenticated by the caller's API key (`Authorization: Bearer` or `?api_key=`), like every other
endpoint but without DRF's session machinery. Answers 202 with the execution id at once; with
`?wait=<seconds>` (or the trigger's `respond: when_finished` setting) it answers when the execution
ends — 200 with status and final_output — or 202 when the wait runs out. The wait listens for the
completion event; nothing polls.
"""

from __future__ import annotations

import json
import uuid

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from redis.exceptions import RedisError
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

from apps.workflows.models import Workflow
from apps.workflows.selectors import workflow_get_for_user
from pipelit.api import Conflict, ServiceUnavailable
from pipelit.ratelimit import webhook_rate_refusal

from ..selectors import trigger_target_find
from ..services.executions import execution_create
from ..services.protection import ConcurrencyLimited, throttled_response
from ..services.triggers import trigger_check, trigger_node_find
from ..waiting import FinishListener, process_waiters, wait_for

MAX_WAIT_SECONDS = 300.0


def _authenticate(request):
    """The user behind the request's API key, through the configured DRF authenticators."""
    if "HTTP_AUTHORIZATION" not in request.META and request.GET.get("api_key"):
        request.META["HTTP_AUTHORIZATION"] = f"Bearer {request.GET['api_key']}"
    drf_request = Request(
        request, authenticators=[cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    )
    try:
        user = drf_request.user
    except exceptions.AuthenticationFailed:
        return None
    return user if getattr(user, "is_authenticated", False) else None


def _caller(request):
    """The authenticated user within the webhook rate limit -> (user, None), else (None, refusal)."""
    user = _authenticate(request)
    if user is None:
        return None, JsonResponse({"detail": "Invalid or missing API key"}, status=401)
    return user, webhook_rate_refusal(request)


def _target(request, user, slug: str):
    """The workflow and its webhook trigger, checked -> (workflow, node, None), else a refusal."""
    trigger_node_id = request.GET.get("trigger_node_id")
    node = trigger_target_find(
        user=user, slug=slug, component_type="trigger_webhook", trigger_node_id=trigger_node_id
    )
    if node is not None:
        workflow = node.workflow
    else:  # not the owner's, or something is missing: the two-step lookup says which refusal applies
        try:
            workflow = workflow_get_for_user(user=user, slug=slug, write=True)
        except (Http404, exceptions.PermissionDenied):
            return None, None, JsonResponse({"detail": f"Workflow '{slug}' not found"}, status=404)
    try:
        if node is None:
            node = trigger_node_find(
                workflow=workflow, component_type="trigger_webhook", trigger_node_id=trigger_node_id
            )
        trigger_check(workflow=workflow, node=node)
    except Http404 as exc:
        return None, None, JsonResponse({"detail": str(exc)}, status=404)
    except Conflict as exc:
        return None, None, JsonResponse({"detail": str(exc.detail)}, status=409)
    except ConcurrencyLimited as exc:
        return None, None, throttled_response(exc)
    return workflow, node, None


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _parse_body(request) -> tuple[object, JsonResponse | None]:
    if (request.content_type or "") in FORM_TYPES:
        return _parse_form(request)
    try:
        raw = request.body
    except RequestDataTooBig:
        return None, _too_large()
    if len(raw) > settings.PIPELIT_WEBHOOK_MAX_BYTES:
        return None, _too_large()
    if not raw.strip():
        return {}, None
    try:
        return json.loads(raw), None
    except (ValueError, UnicodeDecodeError) as exc:
        return None, JsonResponse({"detail": f"Malformed JSON body: {exc}"}, status=400)


def _parse_form(request) -> tuple[object, JsonResponse | None]:
    """A form's fields, a list where a name repeats. Read through request.POST, never request.body: a
    multipart body is parsed from the stream, after which the raw body cannot be read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.PIPELIT_WEBHOOK_MAX_BYTES:
        return None, _too_large()
    try:
        fields = request.POST.lists()
    except RequestDataTooBig:
        return None, _too_large()
    except (MultiPartParserError, BadRequest) as exc:
        return None, JsonResponse({"detail": f"Malformed form body: {exc}"}, status=400)
    return {key: values if len(values) > 1 else values[0] for key, values in fields}, None


def _too_large() -> JsonResponse:
    return JsonResponse({"detail": "Request body too large."}, status=413)


def _wait_seconds(request, node) -> tuple[float, JsonResponse | None]:
    value = request.GET.get("wait")
    if value is None:
        trigger_config = getattr(getattr(node, "_prefetched_config", None), "trigger_config", None) or {}
        if trigger_config.get("respond") != "when_finished":
            return 0.0, None
        value = trigger_config.get("wait_seconds", 30)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return 0.0, JsonResponse({"detail": "wait must be a number of seconds."}, status=400)
    if seconds < 0:
        return 0.0, JsonResponse({"detail": "wait must not be negative."}, status=400)
    return min(seconds, MAX_WAIT_SECONDS), None


def _payload(request, body) -> dict:
    return {
        "payload": body,
        "text": body.get("text", "") if isinstance(body, dict) and isinstance(body.get("text"), str) else "",
        "method": request.method,
        "query": {k: v for k, v in request.GET.items() if k not in {"api_key", "wait", "trigger_node_id"}},
    }


def _fire(workflow: Workflow, node, user, payload: dict, execution_id: uuid.UUID, finish_channel: str = ""):
    return execution_create(
        workflow=workflow,
        trigger_node=node,
        payload=payload,
        user=user,
        execution_id=execution_id,
        finish_channel=finish_channel,
    )


def _unavailable(message: str, retry_after: int) -> JsonResponse:
    response = JsonResponse({"detail": message}, status=503)
    response["Retry-After"] = str(retry_after)
    return response


def _fire_and_wait(request, execution_id: str, fire, wait: float):
    """Fire with a finish channel already listened to, then wait for the finish event. Under daphne
    the process's own channel on the server's loop (`request.server_loop`) carries it and this thread
    only blocks; without that loop (a sync test client) a temporary loop carries one channel."""
    loop = getattr(request, "server_loop", None)
    if loop is None:
        return async_to_sync(_fire_and_wait_on_own_loop)(fire, wait)
    waiters = process_waiters(loop)
    try:
        finished = waiters.expect(execution_id)
    except TimeoutError as exc:
        raise RedisError("timed out joining the finish channel") from exc
    try:
        fire(waiters.channel)
        return wait_for(finished, wait)
    finally:
        waiters.forget(execution_id)


async def _fire_and_wait_on_own_loop(fire, wait: float):
    async with FinishListener() as listener:
        await sync_to_async(fire)(listener.channel_name)
        return await listener.wait(wait)


@csrf_exempt
def webhook(request, slug: str):
    if request.method != "POST":
        return JsonResponse({"detail": "Method not allowed; POST the payload."}, status=405)
    user, refusal = _caller(request)
    if refusal is not None:
        return refusal
    workflow, node, refusal = _target(request, user, slug)
    if refusal is None:
        body, refusal = _parse_body(request)
    if refusal is None:
        wait, refusal = _wait_seconds(request, node)
    if refusal is not None:
        return refusal
    execution_id = uuid.uuid4()
    accepted = {
        "status": "accepted",
        "execution_id": str(execution_id),
        "message": "Workflow execution started",
    }
    payload = _payload(request, body)

    def fire(finish_channel: str = ""):
        _fire(workflow, node, user, payload, execution_id, finish_channel)

    try:
        if not wait:
            fire()
            return JsonResponse(accepted, status=202)
        finished = _fire_and_wait(request, str(execution_id), fire, wait)
    except ServiceUnavailable as exc:
        return _unavailable(str(exc.detail), exc.wait)
    except RedisError:  # the completion listener could not subscribe: nothing was fired
        return _unavailable("The event bus (Redis) is unavailable; the execution was not started.", 5)
    if finished is None:
        return JsonResponse({**accepted, "message": f"Still running after {wait:g}s"}, status=202)
    result = {
        "execution_id": str(execution_id),
        "status": finished.get("status"),
        "final_output": finished.get("final_output"),
    }
    if finished.get("error") is not None:
        result.update(error=finished.get("error"), error_code=finished.get("error_code"))
    return JsonResponse(result, status=200)
