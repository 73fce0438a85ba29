import os
from functools import cached_property

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymsite.settings")


class GymsiteCelery(Celery):
    """Celery whose `worker` and `beat` commands write their banners and notices as log
    records, not printed text (gymsite.core.celery_logging, imported by those two only)."""

    @cached_property
    def Worker(self):  # noqa: N802 (Celery's name)
        return self.subclass_with_self("gymsite.core.celery_logging:Worker")

    @cached_property
    def Beat(self):  # noqa: N802 (Celery's name)
        return self.subclass_with_self("gymsite.core.celery_logging:Beat")


app = GymsiteCelery("gymsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect(weak=False)
def _use_django_logging(**kwargs):
    """The worker logs through settings.LOGGING (JSON lines with the request id of the
    request that sent the task, gymsite.core.logs), not Celery's own format: connecting
    here is what tells Celery to leave logging alone. Django configures it."""
