"""Django's ASGI handler, with the per-request thread reused instead of started anew.

Django runs each request's sync code (middleware, views, ORM) in a thread of its own: it enters
`ThreadSensitiveContext()`, which creates a one-thread executor per request and joins it at the end.
So every request paid for a thread start and, since database connections are per thread, for a new
database connection (CONN_MAX_AGE could never apply): ~12 ms of an authenticated GET that costs
~1 ms in the view. Here each request borrows a one-thread executor from a pool and gives it back, so
the thread and its connection live on. Requests still run concurrently: the pool grows to the number
of requests in flight and keeps at most `POOL_SIZE` idle threads.

The middleware chain is also built in sync mode and run with ONE hop into that thread. In async mode
Django runs every `MiddlewareMixin` middleware's process_request/process_response through its own
`sync_to_async`: 17 thread hand-offs per request with our nine middlewares. All our views are sync
(DRF, and the webhook's `?wait=`, which reaches the channel layer through `request.server_loop`).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler

POOL_SIZE = 32


class PooledThreadASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)
        self._idle: list[ThreadPoolExecutor] = []

    async def get_response_async(self, request):
        request.server_loop = asyncio.get_running_loop()  # for sync views that use the channel layer
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        executor = self._idle.pop() if self._idle else self._new_executor()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            if len(self._idle) < POOL_SIZE:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

    @staticmethod
    def _new_executor() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="django-request")


def get_asgi_application() -> PooledThreadASGIHandler:
    import django

    django.setup(set_prefix=False)
    return PooledThreadASGIHandler()
