"""Support for the operations end-to-end tests (tests/e2e/test_ops*.py): another daphne or
Celery worker beside the site's, with variables of its own; a slow ASGI route and a slow
task, to catch a shutdown in the middle of them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path

from celery import shared_task

from . import stack


@contextlib.contextmanager
def daphne(site, *, wait_healthy: bool = True, app: str = "gymsite.asgi:application", **variables):
    """A daphne on the site's database (and Redis), with `variables` over the site's own."""
    port = stack.free_port()
    env = {**site.env, **{key: str(value) for key, value in variables.items()}}
    process = stack._spawn(
        f"daphne-{port}",
        [stack.sys.executable, "-m", "gymsite.core.server", "-b", "127.0.0.1", "-p", str(port), app],
        env,
        site.web.log_path.parent,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        if wait_healthy:
            stack._wait_healthy(process, base_url)
        else:
            wait_answering(process, base_url)
        yield process, base_url
    finally:
        process.stop()


def wait_answering(process, base_url: str) -> None:
    """Until daphne answers /api/health at all (a degraded site answers 503)."""
    import requests

    deadline = time.monotonic() + stack.STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"daphne exited:\n{process.log()}")
        try:
            requests.get(base_url + "/api/health", timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"daphne does not answer:\n{process.log()}")


# --- a slow route (SIGTERM while a request is in flight) ------------------------------------


async def application(scope, receive, send):
    """The site, plus GET /slow?seconds=N: answers after N seconds, having written
    SLOW_MARKER when it started."""
    if scope["type"] == "http" and scope["path"] == "/slow":
        seconds = float(dict(p.split("=") for p in scope["query_string"].decode().split("&") if "=" in p).get("seconds", 2))
        Path(os.environ["SLOW_MARKER"]).write_text("started")
        await asyncio.sleep(seconds)
        body = b'{"slow": "done"}'
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
        return
    from gymsite.asgi import application as site

    await site(scope, receive, send)


# --- a slow task (SIGTERM while the worker runs it) ------------------------------------------


@shared_task(name="tests.ops.slow")
def slow(folder: str, seconds: float) -> str:
    Path(folder, "started").write_text("started")
    time.sleep(seconds)
    Path(folder, "done").write_text("done")
    return "slow done"
