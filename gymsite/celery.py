import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymsite.settings")

app = Celery("gymsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect(weak=False)
def _use_django_logging(**kwargs):
    """The worker logs through settings.LOGGING (JSON lines with the request id of the
    request that sent the task, gymsite.core.logs), not Celery's own format: connecting
    here is what tells Celery to leave logging alone. Django configures it."""
