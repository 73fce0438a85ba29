import logging

from celery import shared_task
from django.db import transaction

logger = logging.getLogger(__name__)


@shared_task(name="gymsite.core.ping")
def ping(nonce: str = "") -> str:
    """Proves a worker consumes the queue (`make run`'s smoke test, operators' checks)."""
    logger.info("pong %s", nonce)
    return f"pong {nonce}".strip()


def enqueue_on_commit(task, *args) -> None:
    """Send `task` once the transaction commits. With the broker down (Redis) the write
    that asked for it stands and answers as usual: the task is logged as not sent, rather
    than the committed request failing with a 500."""

    def send():
        try:
            task.delay(*args)
        except Exception:
            logger.error("could not enqueue %s%r: the broker does not answer", task.name, args, exc_info=True)

    transaction.on_commit(send)
