"""The running site for the end-to-end tests: a fresh database, daphne, a Celery worker and
an SMTP sink, all real processes or servers on loopback, started and stopped here.

The tests talk to it only from outside (HTTP, SMTP, the broker), as its users do.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from aiosmtpd.controller import Controller

from gymsite.core.broker import filesystem_transport_options

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60
STOP_SECONDS = 15

# Variables of the pytest process that must not leak into the site's processes: each is
# set below on purpose (an empty value means "unset" in gymsite's settings).
SITE_VARIABLES = [
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "CACHE_KEY_PREFIX",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
    "MEDIA_ROOT",
    "PRIVATE_MEDIA_ROOT",
    "AI_BASE_URL",
    "AI_API_KEY",
    "AI_MODEL",
    "AI_TIMEOUT_SECONDS",
    "GYMSITE_VAR_DIR",
    "GYMSITE_TESTING",
    "DEBUG",
    "SECRET_KEY",
    "JWT_SIGNING_KEY",
    "ALLOWED_HOSTS",
    "LANGUAGE_CODE",
    "TIME_ZONE",
    "ALLOW_REGISTRATION",
    "SECURE_SSL_REDIRECT",
    "USE_X_FORWARDED_FOR",
    "TEST_DATABASE_NAME",
    "FINGERPRINT_KEYS",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "RATE_LIMITS_ENABLED",
    "RATE_LIMIT_USER",
    "RATE_LIMIT_TOKEN",
    "RATE_LIMIT_ANON",
    "RATE_LIMIT_SCOPES",
    "WEBSOCKET_MESSAGE_RATE",
    "WEBSOCKET_MESSAGE_BURST",
    "METRICS_TOKEN",
    "METRICS_ALLOWED_IPS",
    "PROMETHEUS_MULTIPROC_DIR",
    "DB_STATEMENT_TIMEOUT_MS",
    "DB_HEALTH_CHECKS",
    "SHUTDOWN_GRACE_SECONDS",
    "CELERY_TASK_DEFAULT_QUEUE",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


# --- SMTP sink --------------------------------------------------------------------------------


@dataclass
class Mail:
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        # Python folds a long encoded subject onto a continuation line ("Subject:\n =?utf-8?q?
        # ...?="); unfolding leaves the fold's space in front, which mail readers drop too.
        return str(self.message["Subject"]).strip()

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class MailSink:
    """An aiosmtpd server on loopback that keeps every message it is given."""

    def __init__(self):
        self.port = free_port()
        self._mails: list[Mail] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self._mails.append(Mail(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    @property
    def mails(self) -> list[Mail]:
        with self._lock:
            return list(self._mails)

    def to(self, address: str) -> list[Mail]:
        return [mail for mail in self.mails if address in mail.recipients]

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


# --- processes --------------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def stop(self) -> int | None:
        """SIGTERM to this process (by its own pid), then wait; SIGKILL if it hangs.
        Returns the exit code, or None when it had to be killed."""
        if self.popen.poll() is not None:
            return self.popen.returncode
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=STOP_SECONDS)
            return None


@dataclass
class Site:
    """What the tests see of the running site."""

    base_url: str
    sink: MailSink
    worker: Process
    web: Process
    broker_url: str
    broker_transport_options: dict
    queue: str
    processes: list[Process] = field(default_factory=list)
    # The environment the site's processes run with (a test may start another daphne).
    env: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def send_task(self, name: str, *args) -> str:
        """Enqueue a task by name on the worker's broker and queue, as Celery Beat would;
        returns the task id."""
        from celery import Celery
        from kombu import Exchange, Queue

        queue = Queue(self.queue, Exchange(self.queue), routing_key=self.queue)
        client = Celery("e2e-client", broker=self.broker_url, set_as_current=False)
        client.conf.broker_transport_options = self.broker_transport_options
        client.conf.task_queues = [queue]
        with client.connection_for_write() as connection:
            queue.bind(connection.default_channel).declare()
            result = client.send_task(name, args=args, queue=queue, connection=connection)
        return result.id

    def wait_task(self, task_id: str, timeout: float = 30) -> str:
        """Wait for the worker to report the task done (its log line); returns the result
        it logged. Fails on a task failure or after `timeout` seconds."""
        done = re.compile(rf"Task [\w.]+\[{re.escape(task_id)}\] succeeded in [\d.e-]+s: (.*)")
        failed = re.compile(rf"Task [\w.]+\[{re.escape(task_id)}\] (raised|retry)")
        deadline = time.monotonic() + timeout
        while True:
            text = self.worker.log_path.read_text(errors="replace")
            if match := done.search(text):
                return match.group(1).strip()
            if failed.search(text):
                raise AssertionError(f"task {task_id} failed:\n{self.worker.log()}")
            if self.worker.popen.poll() is not None:
                raise AssertionError(f"the worker exited:\n{self.worker.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"task {task_id} not done in {timeout} s:\n{self.worker.log()}"
                )
            time.sleep(0.1)


def _run(args: list[str], env: dict[str, str], log_dir: Path, name: str) -> None:
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (log_dir / f"{name}.log").write_text(completed.stdout + completed.stderr)
    if completed.returncode:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}"
        )


def _spawn(name: str, args: list[str], env: dict[str, str], log_dir: Path) -> Process:
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own session: a Ctrl-C in the terminal reaches pytest, whose teardown
            # stops the process; nothing else signals it.
            start_new_session=True,
        )
    return Process(name, popen, log_path)


def _wait_healthy(web: Process, base_url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last = ""
    while time.monotonic() < deadline:
        if web.popen.poll() is not None:
            raise RuntimeError(f"daphne exited with {web.popen.returncode}:\n{web.log()}")
        try:
            response = requests.get(base_url + "/api/health", timeout=5)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:500]}"
        except requests.RequestException as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise RuntimeError(
        f"/api/health not 200 within {STARTUP_SECONDS} s (last: {last}):\n{web.log()}"
    )


def _wait_worker(site: Site) -> None:
    """The worker consumes the queue: a ping goes through it."""
    nonce = uuid.uuid4().hex
    task_id = site.send_task("gymsite.core.ping", nonce)
    assert site.wait_task(task_id, timeout=STARTUP_SECONDS) == f"'pong {nonce}'"


@contextlib.contextmanager
def running_site(tmp: Path, *, database_url: str, redis_url: str, extra_env: dict[str, str] | None = None):
    """Builds the database, starts the SMTP sink, daphne and a worker; yields a Site and
    stops everything it started, whatever happens. `database_url`: a PostgreSQL server
    to make a database of our own on, or "" for SQLite under `tmp`. `extra_env`: settings
    of this site's own (an AI provider...)."""
    var_dir = tmp / "var"
    log_dir = tmp / "logs"
    var_dir.mkdir()
    log_dir.mkdir()
    tag = f"e2e_{os.getpid()}_{secrets.token_hex(3)}"
    queue = f"gymsite-{tag}"

    with contextlib.ExitStack() as stack:
        if database_url:
            import psycopg

            name = f"gymsite_{tag}"
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')

            def drop_database():
                with psycopg.connect(database_url, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

            stack.callback(drop_database)
            site_database_url = with_database(database_url, name)
        else:
            site_database_url = f"sqlite:///{var_dir / 'gymsite.sqlite3'}"

        if redis_url:

            def forget_redis_keys():
                # The queue's bindings and the cache entries of this run carry its tag.
                import redis

                client = redis.Redis.from_url(redis_url)
                keys = list(client.scan_iter(match=f"*{tag}*", count=500))
                if keys:
                    client.delete(*keys)
                client.close()

            stack.callback(forget_redis_keys)

        sink = MailSink()
        sink.start()
        stack.callback(sink.stop)

        env = {key: value for key, value in os.environ.items() if key not in SITE_VARIABLES}
        env.update(
            DJANGO_SETTINGS_MODULE="gymsite.settings",
            DATABASE_URL=site_database_url,
            # Redis: the server the suite was given; the site's keys carry a prefix of
            # their own and its tasks go through a queue of their own.
            REDIS_URL=redis_url,
            CACHE_KEY_PREFIX=f"gymsite-{tag}",
            CELERY_BROKER_URL="",  # REDIS_URL, else filesystem:// under GYMSITE_VAR_DIR
            GYMSITE_VAR_DIR=str(var_dir),
            MEDIA_ROOT=str(var_dir / "media"),
            SECRET_KEY=secrets.token_urlsafe(50),
            FINGERPRINT_KEYS=f"e2e:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}",
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(sink.port),
            DEFAULT_FROM_EMAIL="Main Gym <noreply@gym.test>",
            GYMSITE_TESTING="0",
            # Whatever a .env at the top of the project says, the site runs as set here.
            GYMSITE_ENV_FILE=os.devnull,
            LOG_LEVEL="INFO",
            # Lines for people: wait_task reads the worker's "Task ... succeeded" lines.
            LOG_FORMAT="text",
            # The suite's clients make many requests from one address and account: the
            # rate limits are tested on their own (tests/e2e/test_ops.py), not hit here.
            RATE_LIMIT_USER="100000/min",
            RATE_LIMIT_TOKEN="100000/min",
            RATE_LIMIT_ANON="100000/min",
            WEBSOCKET_MESSAGE_RATE="100000/min",
            WEBSOCKET_MESSAGE_BURST="10000",
            # Every process's metrics in one folder, served by daphne's /metrics.
            PROMETHEUS_MULTIPROC_DIR=str(var_dir / "metrics"),
            METRICS_TOKEN=secrets.token_urlsafe(24),
            PYTHONUNBUFFERED="1",
        )
        (var_dir / "metrics").mkdir()
        env.update(extra_env or {})
        _run(["migrate", "--noinput", "-v", "0"], env, log_dir, "migrate")
        _run(["seed_demo", "--force"], env, log_dir, "seed_demo")

        processes: list[Process] = []

        def stop_all():
            codes = {process.name: process.stop() for process in reversed(processes)}
            # Every process we started shuts down cleanly when asked (SIGTERM): exit code 0,
            # none had to be killed (None).
            unclean = {name: code for name, code in codes.items() if code != 0}
            assert not unclean, f"unclean exits {unclean}:\n" + "\n".join(
                p.log() for p in processes
            )

        stack.callback(stop_all)

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        web = _spawn(
            "daphne",
            [
                sys.executable,
                "-m",
                "gymsite.core.server",  # daphne with our HTTP-layer fixes, as `make run`
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "gymsite.asgi:application",
            ],
            env,
            log_dir,
        )
        processes.append(web)
        worker = _spawn(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "gymsite",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-Q",
                queue,
                "--hostname",
                f"{tag}@%h",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            env,
            log_dir,
        )
        processes.append(worker)

        broker_url = redis_url or "filesystem://"
        broker_dir = var_dir / "broker"
        transport_options = filesystem_transport_options(broker_dir) if not redis_url else {}
        site = Site(
            base_url=base_url,
            sink=sink,
            worker=worker,
            web=web,
            broker_url=broker_url,
            broker_transport_options=transport_options,
            queue=queue,
            processes=processes,
            env=env,
        )
        _wait_healthy(web, base_url)
        _wait_worker(site)
        yield site
