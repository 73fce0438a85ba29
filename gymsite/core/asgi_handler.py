"""Django's ASGI handler, with a request's sync work done in one trip to a kept thread.

Django's own ASGIHandler, for every request under daphne:
- starts a new thread for the request (ThreadSensitiveContext makes a one-thread executor
  per request and shuts it down, joining the thread, at the end);
- hops from the event loop to that thread and back for the `request_started` signal, for
  the middleware chain, back to the loop for the view (Django adapts the sync view call
  of an async-mode chain), to the thread for the view, and again for `response.close()`.

Everything in that path is synchronous here (our middleware and DRF), so this handler runs
it as WSGI would: the middleware chain is loaded in sync mode, and one call in a worker
thread sends `request_started`, builds the request, runs the chain and the view and closes
the response (`request_finished`, which gives the database connection back to the pool)
before the bytes are sent from the event loop. The threads are kept (REQUEST_THREADS of
them, lazily started): a request borrows one for its whole life, so every thread-sensitive
call it makes (a streaming response's iteration too) runs on that one thread, as Django's
ThreadSensitiveContext guarantees, without a thread per request. A request that finds all
of them busy waits for one on the event loop, holding nothing (not a database connection).

The answers are the ones Django's handler gives: same request objects, same middleware
and views, same error handling (BaseHandler.get_response). bench/requestpath.py measures
the difference (bench/README.md, "The request path").
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from concurrent.futures import ThreadPoolExecutor

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse
from django.urls import set_script_prefix

DEFAULT_REQUEST_THREADS = 10


class RequestThreads:
    """Up to `size` one-thread executors, each lent to one request at a time (LIFO: the
    most recently used thread, warm in the caches, goes first)."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self.started = 0
        self.idle: list[ThreadPoolExecutor] = []
        self.waiters: collections.deque[asyncio.Future] = collections.deque()

    async def acquire(self) -> ThreadPoolExecutor:
        if self.idle:
            return self.idle.pop()
        if self.started < self.size:
            self.started += 1
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="django-request")
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release(waiter.result())  # handed over just as the request gave up
            raise

    def release(self, executor: ThreadPoolExecutor) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(executor)
                return
        self.idle.append(executor)


class PooledThreadASGIHandler(ASGIHandler):
    def __init__(self):
        BaseHandler.__init__(self)
        # The chain as WSGI runs it: every middleware in sync mode, no adapters between them.
        self.load_middleware(is_async=False)
        self.threads = RequestThreads(getattr(settings, "REQUEST_THREADS", DEFAULT_REQUEST_THREADS))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = await self.threads.acquire()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            # A request cancelled while its thread still works: the executor runs one call
            # at a time, so the next borrower's work waits behind it, never beside it.
            self.threads.release(executor)

    async def handle(self, scope, receive, send):
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        response = None
        try:
            response = await sync_to_async(self.respond, thread_sensitive=True)(scope, body_file)
            # CancelledError: the client left while the answer was being sent.
            with contextlib.suppress(asyncio.CancelledError):
                await self.send_response(response, send)
        finally:
            if response is not None and response.streaming:
                # Its iterator ran while sending, on the request's thread: close it there
                # (request_finished gives the connection back), whatever the sending did.
                await sync_to_async(response.close, thread_sensitive=True)()
            body_file.close()

    def respond(self, scope, body_file):
        """The request's whole sync part, in its thread: the signal, the request, the chain
        and the view, and (unless it streams) the response closed, so request_finished has
        given the database connection back before the answer is sent."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response


def get_asgi_application() -> PooledThreadASGIHandler:
    """django.core.asgi.get_asgi_application, with the handler above."""
    django.setup(set_prefix=False)
    return PooledThreadASGIHandler()
