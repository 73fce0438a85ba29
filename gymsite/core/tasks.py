import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="gymsite.core.ping")
def ping(nonce: str = "") -> str:
    """Proves a worker consumes the queue (`make run`'s smoke test, operators' checks)."""
    logger.info("pong %s", nonce)
    return f"pong {nonce}".strip()
