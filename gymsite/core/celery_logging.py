"""The Celery worker and Celery Beat, every line they write a log record (gymsite.core.logs).

Celery prints some of its lines itself, bypassing logging: the worker's banner (its
transport, concurrency, queues and tasks), Beat's, and the worker's notices on a signal
("worker: Warm shutdown (MainProcess)"). Here they are records in the site's format: the
banners of the `celery.apps.worker` and `celery.apps.beat` loggers (one record each, its
lines kept), the notices of `celery.apps.worker`. And as Celery does when it sets logging up
itself (gymsite.celery hands that to Django), whatever else is written to stdout or stderr
(a print() in a task) becomes a record of `celery.redirected` (worker_redirect_stdouts).

gymsite.celery's app makes its `worker` and `beat` commands use these classes.
"""

from __future__ import annotations

import logging

import celery.apps.beat
import celery.apps.worker
from celery import VERSION_BANNER

from .logs import log_uncaught_exceptions

worker_logger = logging.getLogger("celery.apps.worker")
beat_logger = logging.getLogger("celery.apps.beat")


def _say(msg, f=None):
    """celery.apps.worker.safe_say, which writes straight to the terminal's file."""
    worker_logger.info("%s", str(msg).strip())


celery.apps.worker.safe_say = _say


class Worker(celery.apps.worker.Worker):
    def on_start(self):
        log_uncaught_exceptions()
        super().on_start()
        if self.redirect_stdouts:
            self.app.log.redirect_stdouts(self.redirect_stdouts_level)

    def emit_banner(self):
        worker_logger.info("%s", (self.startup_info(artlines=False) + (self.extra_info() or "")).strip())


class Beat(celery.apps.beat.Beat):
    def __init__(self, *args, quiet: bool = False, **kwargs):
        # Beat prints its banner unless quiet: here it is logged instead (below).
        super().__init__(*args, quiet=True, **kwargs)
        self.announce = not quiet

    def setup_logging(self, colorize=None):
        log_uncaught_exceptions()
        super().setup_logging(colorize)
        if self.redirect_stdouts:
            self.app.log.redirect_stdouts(self.redirect_stdouts_level)

    def install_sync_handler(self, service):
        # start_scheduler's first step once logging is set up, and the one given the
        # service the banner describes.
        if self.announce:
            beat_logger.info("celery beat v%s is starting.\n%s", VERSION_BANNER, self.startup_info(service).strip())
        super().install_sync_handler(service)
