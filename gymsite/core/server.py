"""daphne, with its HTTP layer mended where it answers before our ASGI application can.

    python -m gymsite.core.server [daphne's options] gymsite.asgi:application

takes daphne's command line unchanged (`make run`, the Docker image and the end-to-end
tests start it so). What differs from `daphne`:

- Twisted parses a POST's multipart body itself before daphne sees the request, and
  answers a malformed one (wrong or missing boundary, garbage) with a 400 that has no
  headers and no body. Here Twisted leaves bodies alone: the application parses them, and
  answers with the JSON error body.
- A body over MAX_REQUEST_BODY_BYTES is not kept (Twisted would spool any size to disk):
  it is read and dropped, and the request answered 413 without reaching the application.
- SIGTERM drains: the server stops listening, lets the HTTP requests in flight finish
  (up to SHUTDOWN_GRACE_SECONDS, default 20), then closes the WebSockets and exits.
  daphne would cancel every request at once.
- The access log (`--access-log`, or verbosity 1) never shows a secret of a query string
  (`/ws/gym/1?token=...`): values are redacted as in every log line (gymsite.core.logs).
- The answers daphne and Twisted make themselves (a malformed request, an invalid
  header, an application that crashed or timed out) carry the JSON error body and an
  X-Request-ID, not an HTML page or nothing; a request line or header over Twisted's
  16 KiB is a 414 or 431 with that body, not a connection closed without a word.
- Every line the process writes is a log record in the site's format (LOG_FORMAT: one
  JSON object a line, or text), from its first (logging is set up before daphne's own
  basicConfig, gymsite.core.logs.configure_early) to its last: daphne's lines ("Starting
  server at ...", "Listening on TCP address host:port"), its access log (the `daphne.access`
  logger, instead of NCSA lines on stdout), Twisted's log (the `twisted` logger, at every
  verbosity: daphne would drop it below -v 2), warnings, and an exception no one caught.
  Levels come from LOG_LEVEL; -v 0 still turns the access log off.
"""

import daphne.server  # noqa: F401  # isort: skip  (first: it installs the asyncio reactor)

import asyncio
import json
import logging
import os
import sys
import time

from daphne.access import AccessLogGenerator
from daphne.cli import CommandLineInterface as DaphneCommandLineInterface
from daphne.http_protocol import HTTPFactory as DaphneHTTPFactory
from daphne.http_protocol import WebRequest as DaphneWebRequest
from twisted.internet import defer
from twisted.logger import STDLibLogObserver, globalLogBeginner
from twisted.web import http

from gymsite.core.request_id import HEADER, request_id_from_headers

logger = logging.getLogger("gymsite.server")
access_logger = logging.getLogger("daphne.access")


def _max_body_bytes() -> int:
    from django.conf import settings

    return settings.MAX_REQUEST_BODY_BYTES


def _error_body(status: int, request_id: str | None) -> dict:
    # Imported when first needed: Django is set up by then (daphne loads the application
    # before it listens), not when this module is.
    from django.utils.translation import gettext as _

    from gymsite.core.errors import server_error_body

    if status >= 500 and status != 503:
        return server_error_body(request_id)
    detail, code = {
        400: (_("Bad request."), "bad_request"),
        413: (_("The request body is too large."), "too_large"),
        414: (_("The request URL is too long."), "uri_too_long"),
        431: (_("A request header is too long."), "header_too_long"),
        503: (_("The server took too long to answer."), "timeout"),
    }.get(status, (_("Bad request."), "bad_request"))
    return {"detail": str(detail), "code": code}


class WebRequest(DaphneWebRequest):
    def __init__(self, *args, **kwargs):
        # Twisted would parse a POST's multipart or urlencoded body into request.args
        # (which daphne never reads) and refuse a malformed one with an empty 400.
        kwargs["parsePOSTFormSubmission"] = False
        super().__init__(*args, **kwargs)
        self._body_size = 0
        self._body_too_large = False

    def gotLength(self, length):
        super().gotLength(length)
        self._body_too_large = length is not None and length > _max_body_bytes()

    def handleContentChunk(self, data):
        if self._body_too_large:
            return
        self._body_size += len(data)
        if self._body_size > _max_body_bytes():
            # Chunked, no length announced: drop what was kept and keep nothing more.
            self._body_too_large = True
            self.content.seek(0)
            self.content.truncate()
            return
        super().handleContentChunk(data)

    def process(self):
        if self._body_too_large:
            # The whole body has been read (a client sends it all before it reads an
            # answer), and none of it kept.
            if hasattr(self.client, "host") and hasattr(self.client, "port"):
                self.client_addr = [str(self.client.host), self.client.port]  # the access log
            self.basic_error(413, b"Content Too Large", "")
            return None
        return super().process()

    def basic_error(self, status, status_text, body):
        """daphne's own answers: JSON, with the request's id."""
        request_id = request_id_from_headers(
            (name, values[0]) for name, values in self.requestHeaders.getAllRawHeaders()
        )
        content = json.dumps(_error_body(status, request_id)).encode()
        self.handle_reply(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(content)).encode()),
                    (HEADER, request_id.encode()),
                ],
            }
        )
        self.handle_reply({"type": "http.response.body", "body": content})


class HTTPChannel(http.HTTPChannel):
    def _respond_and_disconnect(self, status: int, reason: bytes) -> None:
        content = json.dumps(_error_body(status, None)).encode()
        self.transport.write(
            b"HTTP/1.1 %d %s\r\n"
            b"Content-Type: application/json\r\n"
            b"Content-Length: %d\r\n"
            b"Connection: close\r\n\r\n%s" % (status, reason, len(content), content)
        )
        self.loseConnection()

    def _respondToBadRequestAndDisconnect(self):
        """Twisted's answer to a request it cannot parse (request line, headers, chunked
        framing): the same 400, with the JSON error body."""
        self._respond_and_disconnect(400, b"Bad Request")

    def lineLengthExceeded(self, line):
        """A request line or a header line over Twisted's limit (16 KiB): Twisted would
        close the connection without a word. 414 for the request line, 431 for a header."""
        # Twisted's own flag (private, name-mangled): set until a request's first line
        # has been read. Without it (another Twisted) every long line is a 431.
        if getattr(self, "_HTTPChannel__first_line", 0):
            self._respond_and_disconnect(414, b"URI Too Long")
        else:
            self._respond_and_disconnect(431, b"Request Header Fields Too Large")


class HTTPFactory(DaphneHTTPFactory):
    # No "Starting factory <HTTPFactory object at 0x...>" lines in Twisted's log: the port
    # it listens on has its own ("HTTPFactory starting on 8000", "(TCP Port 8000 Closed)").
    noisy = False

    def log(self, request):
        """Twisted's own access log (with the query string, secrets and all) is not
        written: daphne's (`daphne.access`, redacted) and our request line say it."""

    def protocol(self):
        """Twisted's HTTPFactory.protocol: the protocol of one connection."""
        return http._GenericHTTPChannelProtocol(HTTPChannel())

    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = WebRequest
        return protocol


def _grace_seconds() -> float:
    try:
        return float(os.environ.get("SHUTDOWN_GRACE_SECONDS") or 20)
    except ValueError:
        return 20.0


class AccessLog(AccessLogGenerator):
    """daphne's access log, one record of the `daphne.access` logger per HTTP request and
    WebSocket event (connecting, connected, rejected, disconnected) instead of a line
    written to stdout: `127.0.0.1:50312 - - "GET /api/health" 200 77`. The record's time
    is the line's."""

    def __init__(self):
        super().__init__(stream=None)

    def write_entry(self, host, date, request, status=None, length=None, ident=None, user=None):
        access_logger.info('%s %s %s "%s" %s %s', host, ident or "-", user or "-", request, status or "-", length or "-")


def _redacted_action_logger(inner):
    """daphne's access log, with secrets in paths (query strings) redacted."""

    def log(protocol, action, details):
        from gymsite.core.logs import redact

        path = details.get("path")
        if isinstance(path, str) and "?" in path:
            details = {**details, "path": redact(path)}
        inner(protocol, action, details)

    return log


class _TwistedLogToLogging:
    """What daphne's run() sees as Twisted's globalLogBeginner: whatever observers it asks
    for (a black hole below -v 2), Twisted's log goes to Python logging's `twisted` logger
    (LOG_LEVEL decides what is written), the events buffered before it started included.
    sys.stdout and sys.stderr stay the process's own: Django may set logging up after this
    (an application that loads it on its first request), and a handler writing to a
    stderr that Twisted had made its log would write into itself."""

    def __init__(self, beginner):
        self._beginner = beginner

    def beginLoggingTo(self, observers, discardBuffer=False, redirectStandardIO=True):  # noqa: N802 (Twisted's name)
        self._beginner.beginLoggingTo([STDLibLogObserver("twisted")], discardBuffer=False, redirectStandardIO=False)
        # Twisted took Python's warnings into its log: back to `py.warnings`, as in every
        # other process (gymsite.core.logs.configure).
        logging.captureWarnings(False)
        logging.captureWarnings(True)


class Server(daphne.server.Server):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self.action_logger, AccessLogGenerator) and self.action_logger.stream in (sys.stdout, sys.stderr):
            # The access log daphne writes to stdout (verbosity 1, or --access-log -) is
            # the log's; one to a file (--access-log PATH) stays where it was asked.
            self.action_logger = AccessLog()
        if self.action_logger is not None:
            self.action_logger = _redacted_action_logger(self.action_logger)
        self.ports = []

    def run(self):
        daphne.server.globalLogBeginner = _TwistedLogToLogging(globalLogBeginner)
        super().run()

    def listen_success(self, port):
        self.ports.append(port)
        super().listen_success(port)

    def in_flight_http(self) -> int:
        return sum(
            1
            for protocol, details in list(self.connections.items())
            if isinstance(protocol, DaphneWebRequest) and not details["application_instance"].done()
        )

    async def drain(self) -> None:
        """Stop taking connections, then wait for the HTTP requests in flight."""
        for port in self.ports:
            port.stopListening()
        deadline = time.monotonic() + _grace_seconds()
        busy = self.in_flight_http()
        if busy:
            logger.info("shutting down: waiting for %d request(s) in flight", busy)
        while busy and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            busy = self.in_flight_http()
        if busy:
            logger.warning("shutting down: %d request(s) still in flight after the grace period", busy)

    def kill_all_applications(self):
        """Before the reactor stops (SIGTERM, SIGINT): drain, then what daphne does (cancel
        what is left: the WebSockets)."""
        drained = defer.Deferred.fromFuture(asyncio.ensure_future(self.drain()))
        drained.addErrback(lambda failure: logger.error("drain failed: %s", failure.getErrorMessage()))
        drained.addCallback(lambda _: super(Server, self).kill_all_applications())
        return drained

    # daphne's run() makes its own HTTPFactory and listens with self.http_factory; ours
    # takes its place there, the rest of run() unchanged.
    @property
    def http_factory(self):
        return self._http_factory

    @http_factory.setter
    def http_factory(self, factory):
        self._http_factory = factory if isinstance(factory, HTTPFactory) else HTTPFactory(self)


class CommandLineInterface(DaphneCommandLineInterface):
    server_class = Server


def main() -> None:
    from gymsite.core.logs import configure_early

    # Before daphne's logging.basicConfig (which then does nothing) and before Django reads
    # its settings (which replace this handler with settings.LOGGING's, the same).
    configure_early()
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
