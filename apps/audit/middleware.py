"""Per request: an audit context (request id, the request for its user and key), refusals written
after the rollback, and one summary entry for a successful mutating request that recorded nothing else.
"""

from __future__ import annotations

import re

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.utils.decorators import sync_and_async_middleware

from . import context
from .services import audit_flush_pending, audit_record

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _source(path: str) -> str:
    if path.startswith("/api/"):
        return context.SOURCE_REST
    if path.startswith("/admin/"):
        return context.SOURCE_ADMIN
    return context.SOURCE_WEB


def _begin(request) -> tuple[context.AuditContext, object]:
    # META, not request.headers: that is cached on first use, and the webhook view adds an
    # Authorization header to META (from ?api_key=) after this middleware ran.
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    request_id = given if _REQUEST_ID_OK.match(given) else context.new_request_id()
    request.audit_request_id = request_id
    ctx = context.AuditContext(request=request, request_id=request_id, source=_source(request.path))
    return ctx, context.activate(ctx)


def _summary_entry(request, response, ctx: context.AuditContext) -> None:
    """A mutation that touched no audited model still leaves a trace (method, path, status)."""
    if request.method not in MUTATING or ctx.recorded or not 200 <= response.status_code < 400:
        return
    if request.path.startswith(tuple(settings.PIPELIT_AUDIT_SKIP_PATHS)):
        return
    user, _ = context.actor()
    if user is None:
        return
    audit_record(
        action=f"http.{request.method.lower()}",
        target_type="path",
        target_id=request.path[:255],
        detail=f"{request.method} {request.path} -> {response.status_code}",
    )


def _end(request, response, ctx: context.AuditContext) -> None:
    audit_flush_pending(ctx)
    _summary_entry(request, response, ctx)


@sync_and_async_middleware
def AuditContextMiddleware(get_response):  # noqa: N802 - a middleware factory reads like a class
    if iscoroutinefunction(get_response):

        async def middleware(request):
            ctx, token = _begin(request)
            try:
                response = await get_response(request)
                await sync_to_async(_end)(request, response, ctx)
            finally:
                context.deactivate(token)
            response[REQUEST_ID_HEADER] = ctx.request_id
            return response

    else:

        def middleware(request):
            ctx, token = _begin(request)
            try:
                response = get_response(request)
                _end(request, response, ctx)
            finally:
                context.deactivate(token)
            response[REQUEST_ID_HEADER] = ctx.request_id
            return response

    return middleware
