"""Keeps the whole middleware chain synchronous under ASGI."""


class SyncMiddlewareChain:
    """Last in MIDDLEWARE: a sync-only middleware that does nothing, so that Django runs
    every middleware above it synchronously, in the request's one worker thread.

    Under ASGI, Django runs each async-capable middleware (all of django's, CORS) in async
    mode, and each of their sync process_request/process_response methods then hops to the
    request's thread and back: ~15 hops per request, ~1.5 ms on 2 cores (bench/README.md).
    With a sync-only middleware at the bottom the chain runs in one hop instead; what each
    middleware does is the same. Django only adapts the view call itself.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
