"""Request-level guards (a backing-service outage answers 503, NUL characters answer 400) and static
files.

Every middleware here works both ways, sync and async. Django runs a middleware chain in async mode
only if every middleware in it can: one sync-only middleware pushes each request through a thread
and back (sync_to_async, then async_to_sync for an async view such as the waiting webhook), which
cost about a millisecond per request under load.
"""

import json

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

RETRY_AFTER_SECONDS = 5
OUTAGES = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


class DualModeMiddleware:
    """Base: `__call__` serves sync chains, `__acall__` async ones; subclasses override `answer`
    (a response that ends the request early, or None to go on). `answer` must not do I/O."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def answer(self, request):
        return None

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        response = self.answer(request)
        return response if response is not None else self.get_response(request)

    async def __acall__(self, request):
        response = self.answer(request)
        return response if response is not None else await self.get_response(request)


class BackingServiceUnavailableMiddleware(DualModeMiddleware):
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


class RejectNulCharactersMiddleware(DualModeMiddleware):
    """400 for input holding U+0000 instead of a database error deep inside a view. (The body is
    already in memory when middleware runs, under ASGI too.)"""

    def answer(self, request):
        if not request_has_nul(request):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": NUL_MESSAGE}, status=400)
        return HttpResponse(NUL_MESSAGE, status=400, content_type="text/plain")


class StaticFilesMiddleware(DualModeMiddleware):
    """WhiteNoise's static files, without making the whole chain sync: WhiteNoise's own middleware
    is sync-only. Finding a file is a dict lookup (a file system lookup only with autorefresh, in
    development); serving it goes through a thread in async mode."""

    def __init__(self, get_response):
        from whitenoise.middleware import WhiteNoiseMiddleware

        super().__init__(get_response)
        self.whitenoise = WhiteNoiseMiddleware(get_response)

    def _static_file(self, request):
        if self.whitenoise.autorefresh:
            return self.whitenoise.find_file(request.path_info)
        return self.whitenoise.files.get(request.path_info)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        static_file = self._static_file(request)
        if static_file is not None:
            return self.whitenoise.serve(static_file, request)
        return self.get_response(request)

    async def __acall__(self, request):
        static_file = self._static_file(request)
        if static_file is not None:
            return await sync_to_async(self.whitenoise.serve)(static_file, request)
        return await self.get_response(request)
