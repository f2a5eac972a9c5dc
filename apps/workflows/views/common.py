"""Shared bits of the editor views: access checks, JSON bodies and JSON error answers."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions as drf_exceptions

from apps.workflows import selectors
from apps.workflows.models import Workflow


def workflow_for(request: HttpRequest, slug: str, *, write: bool = False) -> Workflow:
    """The workflow if the signed-in user may see it (404 otherwise) or, with `write`, edit it (403)."""
    try:
        return selectors.workflow_get_for_user(user=request.user, slug=slug, write=write)
    except drf_exceptions.PermissionDenied as exc:
        raise PermissionDenied(str(exc.detail)) from exc


class BadBody(Exception):
    pass


def json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadBody("Request body must be a JSON object.") from exc
    if not isinstance(data, dict):
        raise BadBody("Request body must be a JSON object.")
    return data


def error(detail: Any, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def drf_error(exc: drf_exceptions.APIException) -> JsonResponse:
    """A domain/validation error from a service as the REST API would answer it."""
    status = 422 if isinstance(exc, drf_exceptions.ValidationError) else exc.status_code
    detail = getattr(exc, "errors", None)
    if detail is not None:
        return error({"validation_errors": detail}, status)
    return error(exc.detail, status)
