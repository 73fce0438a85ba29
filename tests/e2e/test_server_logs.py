"""Every line the site's processes write is a log record in its format (issue 15): with
LOG_FORMAT=json one JSON object a line (time, level, logger, message), daphne's startup lines,
its access log, Twisted's and Celery's banners included; with LOG_FORMAT=text a line for
people. Real processes, started as `make run` and the Docker image start them, on the
embedded default (SQLite, the in-memory channel layer and the filesystem broker under a
folder of the test's own), stopped with SIGTERM; all they wrote is read back.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from . import stack

pytestmark = pytest.mark.e2e

TEXT_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+ \[[^\]\s]+\] \S.*"
)
SECRET = "s3cr3t-" + secrets.token_hex(8)


def embedded_env(var_dir: Path, log_format: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in stack.SITE_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="gymsite.settings",
        DATABASE_URL="",
        REDIS_URL="",
        CELERY_BROKER_URL="",
        GYMSITE_VAR_DIR=str(var_dir),
        GYMSITE_ENV_FILE=os.devnull,
        GYMSITE_TESTING="0",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_FORMAT=log_format,
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


class Spawned:
    """A process of ours with its stdout and stderr in files of their own."""

    def __init__(self, args: list[str], env: dict[str, str], folder: Path, name: str):
        self.out, self.err = folder / f"{name}.out", folder / f"{name}.err"
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.popen = subprocess.Popen(
                args, cwd=stack.ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True
            )

    def text(self) -> str:
        return self.out.read_text(errors="replace") + self.err.read_text(errors="replace")

    def lines(self) -> list[str]:
        return [line for line in self.text().splitlines() if line.strip()]

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM to this process (its own pid), then its exit code; killed if it hangs."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)
            raise AssertionError(f"did not stop on SIGTERM:\n{self.text()[-3000:]}") from None


def json_records(process: Spawned) -> list[dict]:
    """Every line the process wrote, each a JSON record with the four keys, or a failure
    naming the first line that is not."""
    records = []
    for line in process.lines():
        try:
            record = json.loads(line)
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}\n\n{process.text()[-3000:]}") from None
        assert isinstance(record, dict) and {"ts", "level", "logger", "message"} <= set(record), line
        records.append(record)
    return records


def wait_until(predicate, what: str, process: Spawned, timeout: float = stack.STARTUP_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := predicate():
            return found
        if process.popen.poll() is not None:
            raise AssertionError(f"exited with {process.popen.returncode} before {what}:\n{process.text()[-3000:]}")
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {what}\n{process.text()[-3000:]}")


def healthy(base_url: str) -> bool:
    try:
        return requests.get(base_url + "/api/health", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def serve_once(tmp_path: Path, log_format: str) -> tuple[Spawned, int]:
    """daphne as `make run` starts it, a request or two, SIGTERM."""
    port = stack.free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = Spawned(
        [sys.executable, "-m", "gymsite.core.server", "-b", "127.0.0.1", "-p", str(port), "gymsite.asgi:application"],
        embedded_env(tmp_path / "var", log_format),
        tmp_path,
        "daphne",
    )
    try:
        wait_until(lambda: healthy(base_url), "/api/health answers 200", server)
        assert requests.get(base_url + f"/ws/health?token={SECRET}", timeout=10).status_code == 200
    finally:
        code = server.terminate()
    assert code == 0, server.text()[-3000:]
    return server, port


def test_with_json_logs_every_line_the_server_writes_is_a_json_record(tmp_path):
    server, port = serve_once(tmp_path, "json")
    records = json_records(server)
    messages = [(record["logger"], record["message"]) for record in records]
    # Its startup, the port it listens on first of all (what a supervisor looks for).
    assert ("daphne.cli", f"Starting server at tcp:port={port}:interface=127.0.0.1") in messages, messages
    assert ("daphne.server", f"Listening on TCP address 127.0.0.1:{port}") in messages, messages
    assert ("twisted", f"HTTPFactory starting on {port}") in messages, messages
    # The request's line, and daphne's access log (the query string's secret redacted).
    health = [r for r in records if r["logger"] == "gymsite.request" and r.get("path") == "/api/health"]
    assert health and health[-1]["status"] == 200 and health[-1]["method"] == "GET", records
    access = [r["message"] for r in records if r["logger"] == "daphne.access"]
    assert any('"GET /api/health" 200 ' in message for message in access), access
    assert any('"GET /ws/health?token=[redacted]" 200' in message for message in access), access
    assert SECRET not in server.text()
    # Its shutdown (Twisted's log, which daphne would drop).
    assert ("twisted", "Received SIGTERM, shutting down.") in messages, messages
    assert ("twisted", f"(TCP Port {port} Closed)") in messages, messages
    # Nothing on stdout: every record goes to the log's one stream.
    assert server.out.read_text() == ""
    # The key the embedded run generated is said once, as a record too.
    assert any(r["logger"] == "gymsite.settings" and "generated a fingerprint template key" in r["message"] for r in records)


def test_with_text_logs_every_line_the_server_writes_is_a_line_for_people(tmp_path):
    server, port = serve_once(tmp_path, "text")
    lines = server.lines()
    for line in lines:
        assert TEXT_LINE.fullmatch(line), f"not a log line: {line!r}\n\n" + "\n".join(lines)
    text = "\n".join(lines)
    assert re.search(rf" INFO daphne\.server \[-\] Listening on TCP address 127\.0\.0\.1:{port}$", text, re.M), text
    assert re.search(r" INFO gymsite\.request \[[0-9a-f]{32}\] GET /api/health 200 [\d.]+ms$", text, re.M), text
    assert re.search(r' INFO daphne\.access \[[0-9a-f]{32}\] 127\.0\.0\.1:\d+ - - "GET /ws/health\?token=\[redacted\]" 200 ', text)
    assert SECRET not in text


def test_make_run_every_process_writes_json_records(tmp_path):
    """`manage.py run_embedded` (`make run`): itself, daphne, a Celery worker and Celery
    Beat, their banners and notices included."""
    var_dir = tmp_path / "var"
    env = embedded_env(var_dir, "json")
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=stack.ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    for line in (migrate.stdout + migrate.stderr).splitlines():
        assert isinstance(json.loads(line), dict), line
    port = stack.free_port()
    run = Spawned([sys.executable, "manage.py", "run_embedded", "--port", str(port)], env, tmp_path, "run")
    try:
        wait_until(lambda: healthy(f"http://127.0.0.1:{port}"), "/api/health answers 200", run)
        wait_until(lambda: "ready." in run.text() and "beat: Starting..." in run.text(), "the worker and Beat", run)
    finally:
        code = run.terminate()
    assert code == 0, run.text()[-3000:]
    records = json_records(run)
    by_logger: dict[str, list[str]] = {}
    for record in records:
        by_logger.setdefault(record["logger"], []).append(record["message"])
    assert any(m.startswith(f"gymsite is running at http://127.0.0.1:{port}/") for m in by_logger["gymsite.run_embedded"])
    assert f"Listening on TCP address 127.0.0.1:{port}" in by_logger["daphne.server"]
    # The worker's banner, one record with its lines: its queues and tasks.
    (banner,) = [m for m in by_logger["celery.apps.worker"] if "[config]" in m]
    assert banner.startswith("embedded@") and ".> concurrency: 2 (prefork)" in banner and "gymsite.core.ping" in banner, banner
    assert any(m.endswith(" ready.") for m in by_logger["celery.apps.worker"])
    assert "worker: Warm shutdown (MainProcess)" in by_logger["celery.apps.worker"]
    (beat,) = by_logger["celery.apps.beat"]
    assert beat.startswith("celery beat v") and "scheduler -> django_celery_beat.schedulers.DatabaseScheduler" in beat, beat
    assert "beat: Starting..." in by_logger["celery.beat"]
    assert "Received SIGTERM, shutting down." in by_logger["twisted"]


def test_a_server_that_refuses_to_start_says_why_in_a_json_record(tmp_path):
    """A deployment without its SECRET_KEY stops while daphne loads the application,
    before anything listens: the reason is a record (with the traceback), not text."""
    env = embedded_env(tmp_path / "var", "json")
    env.update(SECRET_KEY="", DATABASE_URL="postgres://gymsite:secret@db.example.invalid:5432/gymsite")
    server = Spawned(
        [sys.executable, "-m", "gymsite.core.server", "-b", "127.0.0.1", "-p", str(stack.free_port()), "gymsite.asgi:application"],
        env,
        tmp_path,
        "daphne",
    )
    assert server.popen.wait(timeout=stack.STARTUP_SECONDS) == 1
    (crash,) = [record for record in json_records(server) if record["level"] == "CRITICAL"]
    assert crash["logger"] == "gymsite.uncaught" and "SECRET_KEY must be set" in crash["message"], crash
    assert "ImproperlyConfigured" in crash["exc"]
