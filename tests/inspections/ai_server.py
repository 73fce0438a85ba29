"""A chat completions server on a loopback port, for the AI tests: it speaks the
OpenAI-compatible API (POST /v1/chat/completions) and answers as the test tells it: a good
suggestion, a 5xx, silence past the timeout, garbage, a reply of the wrong shape."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def completion(content: str) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "test-vision",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    }


class ChatServer:
    def __init__(self):
        self.mode = "ok"
        self.content = json.dumps(
            {"answer_value": "fail", "confidence": 0.85, "explanation": "Oil below the minimum", "is_flagged": True,
             "comments": "Top up the oil"}
        )
        self.requests: list[dict] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
                if server.mode == "slow":
                    server.release.wait(5)
                    return
                if server.mode == "error":
                    return self._send(503, b'{"error": {"message": "overloaded"}}')
                if server.mode == "garbage":
                    return self._send(200, b"<html>definitely not json")
                if server.mode == "not_completion":
                    return self._send(200, b'{"hello": "world"}')
                return self._send(200, json.dumps(completion(server.content)).encode())

            def _send(self, status, payload):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
