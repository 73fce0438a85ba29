"""The ASGI stack around Django (assembled in gymsite/asgi.py), and the middleware that
keeps Django's own chain synchronous.

- RequestContextMiddleware: a request id for every HTTP request (X-Request-ID in and
  out, in the log lines), and a JSON 500 for an exception nothing else answered.
- RequestBodyMiddleware: reads a body that has no Content-Length (chunked) under the size
  limit and gives it one; Django and DRF read CONTENT_LENGTH bytes and would see none.
- MediaFilesHandler: serves MEDIA_ROOT (member photos) as ASGIStaticFilesHandler serves
  the static files, with DEBUG off too.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.utils.translation import gettext as _
from django.views import static

from .errors import server_error_body
from .request_id import HEADER, request_id_from_headers, set_current_request_id

logger = logging.getLogger("gymsite.server")


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


async def send_json(send, status: int, body: dict, headers=()) -> None:
    """Answer a whole HTTP response with a JSON body from the ASGI layer."""
    content = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value
    return None


class RequestContextMiddleware:
    """Outermost for HTTP. Gives the request its id (the client's X-Request-ID when it is
    sensible, else a new one): Django sees it in the request's X-Request-ID header, log
    lines written for the request carry it, and the response answers it.

    An exception that escapes the application before it answered becomes a JSON 500 with
    the id (and its traceback goes to the log, not to the client); daphne would answer an
    HTML page."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request_id = request_id_from_headers(scope.get("headers", ()))
        set_current_request_id(request_id)
        headers = [(k, v) for k, v in scope.get("headers", ()) if k.lower() != HEADER]
        scope = {**scope, "headers": [*headers, (HEADER, request_id.encode())]}
        started = False

        async def send_with_id(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {
                    **message,
                    "headers": [
                        *[(k, v) for k, v in message.get("headers", ()) if k.lower() != HEADER],
                        (HEADER, request_id.encode()),
                    ],
                }
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("Unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise  # half an answer is out: the server can only drop the connection
            await send_json(send_with_id, 500, server_error_body(request_id))


class RequestBodyMiddleware:
    """A request body sent without Content-Length (Transfer-Encoding: chunked) is read here,
    up to MAX_REQUEST_BODY_BYTES (413 past it), and handed on with its Content-Length.

    Django's request and DRF read CONTENT_LENGTH bytes of the body: without the header
    they read nothing, and a chunked PATCH answered 200 and changed nothing. A body with
    Content-Length passes untouched (BodySizeLimitMiddleware judges its size)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or _header(scope, b"content-length") is not None:
            return await self.app(scope, receive, send)
        limit = settings.MAX_REQUEST_BODY_BYTES
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before it finished sending
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                body = {"detail": _("The request body is too large."), "code": "too_large"}
                return await send_json(send, 413, body)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        if size:
            headers = [
                (key, value)
                for key, value in scope.get("headers", ())
                if key.lower() != b"transfer-encoding"
            ]
            headers.append((b"content-length", str(size).encode()))
            scope = {**scope, "headers": headers}
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()  # what follows the body: the disconnect
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        return await self.app(scope, replay, send)


class MediaFilesHandler(ASGIStaticFilesHandler):
    """Serves MEDIA_URL from MEDIA_ROOT, with DEBUG off too: the embedded run (and a
    single daphne) shows member photos without a web server in front. File names are
    random (members.validators), and a folder is never listed."""

    def get_base_url(self):
        return settings.MEDIA_URL

    def serve(self, request):
        response = static.serve(
            request, self.file_path(request.path), document_root=settings.MEDIA_ROOT
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
