"""Request-level guards: a backing-service outage answers 503, NUL characters and malformed form bodies
answer 400."""

import json

from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

RETRY_AFTER_SECONDS = 5
OUTAGES = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


class BackingServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OUTAGES):
            return None
        service = "database" if isinstance(exception, OperationalError | InterfaceError) else "Redis"
        message = f"The {service} is unavailable; try again shortly."
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


NUL_MESSAGE = "The request contains a NUL character (\\u0000), which no field accepts."
JSON_NUL_ESCAPE = b"\\u0000"


def _any_nul(pairs) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in pairs)


def _walk_has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_walk_has_nul(k) or _walk_has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_walk_has_nul(item) for item in value)
    return False


def request_has_nul(request) -> bool:
    """A NUL in the path, the query, a form field or a JSON string (PostgreSQL refuses them in text)."""
    if "\x00" in request.path or _any_nul(request.GET.lists()):
        return True
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return _any_nul(request.POST.lists())
    if "json" in content_type and JSON_NUL_ESCAPE in request.body:
        try:
            return _walk_has_nul(json.loads(request.body))
        except ValueError:
            return False  # malformed JSON: the parser answers it
    return False


class RejectNulCharactersMiddleware:
    """400 for input holding U+0000 instead of a database error deep inside a view, and for a form body
    that cannot be parsed (a multipart body without its boundary ...): once this has parsed it, the
    body's stream is spent and a view would see an empty form, not the error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            refusal = NUL_MESSAGE if request_has_nul(request) else None
        except (MultiPartParserError, BadRequest) as exc:
            refusal = f"Malformed form body: {exc}"
        if refusal is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": refusal}, status=400)
        return HttpResponse(refusal, status=400, content_type="text/plain")
