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

`handle` keeps that one hop for the whole request: Django's own sends request_started, runs the
chain and closes the response (request_finished) in three hops, and races a disconnect-listening
task against the response. A sync view cannot be interrupted anyway, so only a streaming response,
whose sending takes as long as its iterator, keeps Django's race and its close after sending.
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

POOL_SIZE = 32


class PooledThreadASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)
        self._idle: list[ThreadPoolExecutor] = []

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

    async def handle(self, scope, receive, send):
        """Django's `ASGIHandler.handle`, with the request's sync work in one hop (see the docstring)."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        respond = sync_to_async(self._respond, thread_sensitive=True)
        response = await respond(scope, body_file, asyncio.get_running_loop())
        if response.streaming:
            await self._stream(response, receive, send, body_file)
        else:
            await self.send_response(response, send)  # after a disconnect daphne drops it
        body_file.close()

    def _respond(self, scope, body_file, server_loop) -> HttpResponseBase:
        """In the request thread: what Django does in three hops, with the signals sent as it does."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)  # 400/413 when it cannot
        if request is not None:
            request.server_loop = server_loop  # for sync views that use the channel layer
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size  # as Django: the server chunks the body itself
        if not response.streaming:
            # The content is in memory: closing now (request.close, then request_finished and its
            # close_old_connections) loses nothing and saves the hop Django makes after sending.
            response.close()
        return response

    async def _stream(self, response, receive, send, body_file) -> None:
        """Django's race of a streaming send against the client's disconnect, then its close."""

        async def send_streaming():
            with contextlib.suppress(asyncio.CancelledError):  # the client went away mid-stream
                await self.send_response(response, send)

        tasks = [
            asyncio.create_task(self.listen_for_disconnect(receive)),  # checked first, as in Django
            asyncio.create_task(send_streaming()),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if not task.done():
                task.cancel()
            try:
                await task
            except (RequestAborted, asyncio.CancelledError):
                pass  # the client disconnected, or the stream ended and stopped the listener
            except AssertionError:  # a message after the body: the server broke the protocol
                body_file.close()
                raise
        await sync_to_async(response.close)()  # in the request thread: request_finished

    @staticmethod
    def _new_executor() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="django-request")


def get_asgi_application() -> PooledThreadASGIHandler:
    import django

    django.setup(set_prefix=False)
    return PooledThreadASGIHandler()
