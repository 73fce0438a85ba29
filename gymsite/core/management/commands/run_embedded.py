"""Run daphne, a Celery worker and Celery Beat together; Ctrl-C or SIGTERM stops all three.

All four processes write log records in the site's format (LOG_FORMAT), this one too: with
LOG_FORMAT=json every line of `make run` is a JSON object."""

import logging
import os
import shutil
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

logger = logging.getLogger("gymsite.run_embedded")


class Command(BaseCommand):
    help = "Start daphne (HTTP + WebSockets), a Celery worker and Celery Beat."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        python = sys.executable
        log_dir = settings.VAR_DIR
        commands = {
            # daphne, with our fixes to its HTTP layer (gymsite.core.server).
            "web": [
                python, "-m", "gymsite.core.server", "-b", host, "-p", str(port),
                "gymsite.asgi:application",
            ],
            "worker": [
                python, "-m", "celery", "-A", "gymsite", "worker",
                "--loglevel", "INFO", "--concurrency", "2", "--hostname", "embedded@%h",
            ],
            "beat": [
                python, "-m", "celery", "-A", "gymsite", "beat", "--loglevel", "INFO",
                "--schedule", str(log_dir / "celerybeat-schedule"),
            ],
        }
        env = dict(os.environ)
        if not env.get("PROMETHEUS_MULTIPROC_DIR"):
            # daphne's /metrics answers for the worker too: every process writes its
            # metrics in one folder, emptied first (gymsite.core.metrics).
            folder = log_dir / "metrics"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            env["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
        processes = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}
        logger.info(
            "gymsite is running at http://%s:%s/ (API docs /api/docs/, admin /admin/). Ctrl-C stops it.", host, port
        )
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        try:
            while not stopping:
                for name, proc in processes.items():
                    if proc.poll() is not None:
                        logger.error("%s exited with %s; stopping the rest.", name, proc.returncode)
                        exit_code = proc.returncode or 1
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            for proc in processes.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            # daphne lets requests in flight finish (SHUTDOWN_GRACE_SECONDS, 20 s), the
            # worker its current task.
            deadline = time.monotonic() + 30
            for proc in processes.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
        sys.exit(exit_code)
