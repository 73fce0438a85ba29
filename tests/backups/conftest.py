import pytest
from aiosmtpd.controller import Controller

from tests.billing.mail import Inbox, free_port, smtp_settings

# Loopback ports of the backups' tests (one range per team).
SMTP_PORTS = range(18600, 18700)


@pytest.fixture(autouse=True)
def _backup_dir(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_KEY = ""
    settings.BACKUP_NOTIFY_SUCCESS = False


@pytest.fixture
def smtp():
    """A real SMTP server on loopback that Django mails through."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(SMTP_PORTS))
    controller.start()
    with smtp_settings(controller.port):
        yield inbox
    controller.stop()


@pytest.fixture
def eager():
    from gymsite.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
