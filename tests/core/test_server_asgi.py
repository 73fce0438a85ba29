"""The ASGI stack around Django (gymsite/asgi.py), one piece at a time with fake servers:
request ids and the JSON 500, chunked bodies, unknown WebSocket paths. Through a real
daphne: tests/e2e/test_server_input.py."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from gymsite.core.asgi_middleware import RequestBodyMiddleware, RequestContextMiddleware
from gymsite.core.request_id import current_request_id
from gymsite.core.websocket import URLRouter


def run(app, scope, messages):
    """Call an ASGI app with these incoming messages; returns what it sent."""
    sent = []
    incoming = list(messages)

    async def receive():
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def http_scope(headers=(), method="POST"):
    return {"type": "http", "method": method, "path": "/api/v1/x", "headers": list(headers)}


def answer(sent) -> tuple[int, dict, bytes]:
    start, body = sent[0], sent[1]
    return start["status"], dict(start["headers"]), body["body"]


class App:
    """An application that records what it was given and answers 204."""

    def __init__(self, fail: Exception | None = None):
        self.fail = fail
        self.scope = None
        self.body = b""
        self.request_id = None

    async def __call__(self, scope, receive, send):
        self.scope = scope
        self.request_id = current_request_id()
        while True:
            message = await receive()
            self.body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if self.fail:
            raise self.fail
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


# --- request id and the JSON 500 ------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [(b"abc-123", True), (b"0f8fad5b-d9cb-469f-a165-70867728950e", True), (b"a b", False),
     (b"x" * 200, False), (b"\xff", False), (None, False)],
)
def test_every_request_gets_an_id_in_and_out(given, kept):
    app = App()
    headers = [(b"x-request-id", given)] if given is not None else []
    sent = run(RequestContextMiddleware(app), http_scope(headers), [{"type": "http.request"}])
    status, response_headers, _ = answer(sent)
    request_id = response_headers[b"x-request-id"].decode()
    assert status == 204
    assert (request_id == (given or b"").decode("latin-1")) is kept
    assert len(request_id) >= 7
    # Django sees the same id (one header), and so does the log filter.
    assert [v for k, v in app.scope["headers"] if k == b"x-request-id"] == [request_id.encode()]
    assert app.request_id == request_id


def test_an_exception_before_the_answer_is_a_json_500_with_the_id(caplog):
    app = App(fail=RuntimeError("secret internals"))
    with caplog.at_level(logging.ERROR, logger="gymsite.server"):
        sent = run(
            RequestContextMiddleware(app),
            http_scope([(b"x-request-id", b"report-7")]),
            [{"type": "http.request"}],
        )
    status, headers, body = answer(sent)
    assert status == 500
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"x-request-id"] == b"report-7"
    assert json.loads(body) == {
        "detail": "A server error occurred.",
        "code": "server_error",
        "request_id": "report-7",
    }
    assert b"secret" not in body
    assert "secret internals" in caplog.text  # the traceback is in the log


def test_websocket_scopes_pass_untouched():
    seen = {}

    async def app(scope, receive, send):
        seen["scope"] = scope

    scope = {"type": "websocket", "path": "/ws/x/", "headers": []}
    run(RequestContextMiddleware(app), scope, [])
    assert seen["scope"] is scope


# --- chunked bodies ---------------------------------------------------------------------------


def test_a_chunked_body_is_read_and_given_its_length():
    app = App()
    parts = [b'{"first_name": ', b'"Ana"', b"}"]
    messages = [{"type": "http.request", "body": p, "more_body": True} for p in parts]
    messages.append({"type": "http.request", "body": b"", "more_body": False})
    scope = http_scope([(b"transfer-encoding", b"chunked"), (b"content-type", b"application/json")])
    sent = run(RequestBodyMiddleware(app), scope, messages)
    assert answer(sent)[0] == 204
    assert app.body == b'{"first_name": "Ana"}'
    headers = dict(app.scope["headers"])
    assert headers[b"content-length"] == b"21"
    assert b"transfer-encoding" not in headers
    assert headers[b"content-type"] == b"application/json"


def test_a_chunked_body_over_the_limit_is_413(settings):
    settings.MAX_REQUEST_BODY_BYTES = 10
    app = App()
    messages = [{"type": "http.request", "body": b"123456", "more_body": True}] * 2
    status, headers, body = answer(run(RequestBodyMiddleware(app), http_scope(), messages))
    assert status == 413
    assert json.loads(body)["code"] == "too_large"
    assert app.scope is None


def test_a_body_with_a_length_passes_untouched():
    app = App()
    scope = http_scope([(b"content-length", b"3")])
    run(RequestBodyMiddleware(app), scope, [{"type": "http.request", "body": b"abc"}])
    assert app.scope is scope and app.body == b"abc"


def test_no_body_adds_no_length():
    app = App()
    run(RequestBodyMiddleware(app), http_scope(method="GET"), [{"type": "http.request"}])
    assert b"content-length" not in dict(app.scope["headers"])


def test_a_client_gone_mid_body_reaches_no_application():
    app = App()
    messages = [{"type": "http.request", "body": b"ab", "more_body": True}, {"type": "http.disconnect"}]
    assert run(RequestBodyMiddleware(app), http_scope(), messages) == []
    assert app.scope is None


# --- WebSocket routes -------------------------------------------------------------------------


def _router(consumer):
    from django.urls import path

    return URLRouter([path("ws/known/", consumer)])


def test_an_unknown_websocket_path_is_refused_without_a_traceback(caplog):
    async def consumer(scope, receive, send):
        raise AssertionError("not routed here")

    with caplog.at_level(logging.INFO):
        sent = run(_router(consumer), {"type": "websocket", "path": "/ws/nothing/"}, [])
    assert sent == [{"type": "websocket.close"}]
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
    assert "/ws/nothing/" in caplog.text


def test_a_known_websocket_path_reaches_its_consumer():
    async def consumer(scope, receive, send):
        await send({"type": "websocket.accept"})

    sent = run(_router(consumer), {"type": "websocket", "path": "/ws/known/"}, [])
    assert sent == [{"type": "websocket.accept"}]


def test_a_consumer_error_is_not_taken_for_a_missing_route():
    async def consumer(scope, receive, send):
        await send({"type": "websocket.accept"})
        raise ValueError("No route found for path 'inside the consumer'")

    with pytest.raises(ValueError):
        run(_router(consumer), {"type": "websocket", "path": "/ws/known/"}, [])
