"""Celery tasks of the shop counter: the low-stock email, enqueued after the commit of the
sale (or other movement) that took a product to its threshold or below."""

from smtplib import SMTPException

from celery import shared_task

from . import notifications


@shared_task(
    name="inventory.tasks.send_low_stock_alert",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=5,
)
def send_low_stock_alert(product_id: int) -> int:
    """Email the admins that a product runs low; returns the number of recipients."""
    return notifications.low_stock_alert_send(product_id=product_id)
