"""Database work of async code (the WebSocket consumers) on a bounded pool of threads.

Channels' `database_sync_to_async` is thread-sensitive: outside an HTTP request every call
of a daphne process runs on ONE thread, so the consumers' queries queue behind each other
(20 terminals sending user_found took 3 s at p95 under the load test, bench/load). Here
the same helper (it closes stale connections before and after, as Channels' does) runs
the call on a pool of WEBSOCKET_DB_THREADS threads instead: that many consumers' queries
at once, each on a connection of its own borrowed from the psycopg pool and given back
when the call ends. The pool's size leaves room for them beside the HTTP requests'
threads (settings: DB_POOL_MAX_SIZE defaults to REQUEST_THREADS + WEBSOCKET_DB_THREADS).

Order: one consumer handles its messages one at a time (Channels awaits each handler
before the next message), so one socket's calls still run one after the other, in order;
only different sockets' calls run side by side. Nothing here may rely on the thread of an
earlier call (no transaction, no connection kept across calls): each call is a whole
unit, as the services are (`@transaction.atomic`).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import close_old_connections

DEFAULT_THREADS = 4

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_size = 0


def threads() -> int:
    return max(1, int(getattr(settings, "WEBSOCKET_DB_THREADS", DEFAULT_THREADS)))


def executor() -> ThreadPoolExecutor:
    """The process's pool, started lazily (its threads too: one per call in flight, up to
    the size); a new one if the setting changed (tests), the old one left to finish (its
    threads hold no connection between calls)."""
    global _executor, _executor_size
    size = threads()
    with _lock:
        if _executor is None or _executor_size != size:
            if _executor is not None:
                _executor.shutdown(wait=False)
            _executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="websocket-db")
            _executor_size = size
        return _executor


class PooledDatabaseSyncToAsync(SyncToAsync):
    """`channels.db.database_sync_to_async` on the pool of threads above: the connection
    is given back to the psycopg pool before and after each call. (Django's
    close_old_connections itself, not channels.db's name for it, which Channels' test
    communicator replaces with a no-op: its thread-sensitive calls may run on the test's
    own thread, in the test's transaction. These threads never do, and a test sees the
    connections returned as in production.)"""

    def __init__(self, func):
        super().__init__(func, thread_sensitive=False, executor=executor())

    def thread_handler(self, loop, *args, **kwargs):
        close_old_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            close_old_connections()


# Used like Channels' helper: `await database_sync_to_async(func)(*args, **kwargs)`.
database_sync_to_async = PooledDatabaseSyncToAsync
