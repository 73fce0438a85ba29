"""`?limit=&offset=` pagination, with the page's count taken beside the page.

A list page runs two statements: the count of every matching row, and the page. On a
large gym the count is most of the request (100,000 members: ~14 ms of a ~27 ms page,
bench/README.md "The request path"), and the page's rows, their serialization and the
count do not depend on each other. So, on PostgreSQL with the connection pool, the count
runs in a helper thread on a connection of its own while the request fetches and
serializes the page; the answer waits for both. The answer is the one DRF's
LimitOffsetPagination gives: the same count and page, an empty page when the count is 0
or the offset past it.

Only where that cannot change what a request sees: outside a transaction (each statement
reads the committed rows of its moment, as it does one after the other; inside
`atomic`, the tests' included, the count must see the transaction's own rows, so it runs
in line), when the pool has a connection free right now and a helper thread is idle (a
busy server gains nothing from overlapping, and a count must never wait for a connection
held by a request that waits for it).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connections
from django.db.models import QuerySet
from rest_framework.pagination import LimitOffsetPagination as _LimitOffsetPagination

COUNT_THREADS = 2
# The page runs before its count is known only below this offset: PostgreSQL refuses an
# OFFSET past a bigint, and no table here holds a fraction of this many rows, so a larger
# offset takes DRF's way (count first, an empty page without reading it).
PARALLEL_MAX_OFFSET = 10**12


class _Counter:
    """COUNT_THREADS helper threads, each counting on a pooled connection it gives back."""

    def __init__(self, size: int):
        self.size = size
        self.busy = 0
        self.lock = threading.Lock()
        self.executor: ThreadPoolExecutor | None = None

    def start(self, queryset: QuerySet) -> Future | None:
        connection = connections[queryset.db]
        pool = getattr(connection, "pool", None)
        if connection.vendor != "postgresql" or pool is None or connection.in_atomic_block:
            return None
        if pool.get_stats().get("pool_available", 0) < 1:
            return None
        with self.lock:
            if self.busy >= self.size:
                return None
            self.busy += 1
            if self.executor is None:
                self.executor = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="page-count")
        # A clone made here: the helper never reads the request's queryset while the
        # request evaluates it.
        try:
            return self.executor.submit(self._count, queryset.all())
        except RuntimeError:  # the interpreter is shutting down
            with self.lock:
                self.busy -= 1
            return None

    def _count(self, queryset: QuerySet) -> int:
        try:
            return queryset.count()
        finally:
            # The helper's connection goes back to the pool at once.
            connections[queryset.db].close()
            with self.lock:
                self.busy -= 1


_counter = _Counter(COUNT_THREADS)


class LimitOffsetPagination(_LimitOffsetPagination):
    """`?limit=&offset=` → {"count", "next", "previous", "results"}; default 50, max 500."""

    default_limit = 50
    max_limit = 500

    def paginate_queryset(self, queryset, request, view=None):
        self._counting = None
        limit = self.get_limit(request)
        parallel = isinstance(queryset, QuerySet) and limit is not None and self.get_offset(request) < PARALLEL_MAX_OFFSET
        counting = _counter.start(queryset) if parallel else None
        if counting is None:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.limit = limit
        self.offset = self.get_offset(request)
        self._counting = counting
        # The page while the count runs; the count is taken in get_paginated_response.
        return list(queryset[self.offset : self.offset + self.limit])

    def get_paginated_response(self, data):
        counting, self._counting = getattr(self, "_counting", None), None
        if counting is not None:
            self.count = counting.result()
            if self.count > self.limit and self.template is not None:
                self.display_page_controls = True
            if self.count == 0 or self.offset > self.count:
                data = []  # what DRF answers then, without reading the page
        return super().get_paginated_response(data)
